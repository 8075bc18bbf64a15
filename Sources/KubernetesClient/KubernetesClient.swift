// The client.
