"""The API's response models: what each route answers, separate from how enms stores it.

The OpenAPI document is generated from these (with their examples); FastAPI validates every
answer against its model, so a figure that changes shape fails the API tests, not a client.
"""
