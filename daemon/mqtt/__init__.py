"""MQTT collection: payload formats, topic routing, the client and the collector."""
