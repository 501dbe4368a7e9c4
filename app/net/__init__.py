"""The client's network side: the websocket link to relays, proxies (Tor), reconnect backoff."""
