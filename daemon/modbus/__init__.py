"""Modbus TCP collection: meter profiles, register decoding, block planning and polling."""
