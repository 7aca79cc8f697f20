"""Where a server's services live, derived from its chat endpoint."""


def key_endpoint_for(endpoint: str) -> str:
    """The key service listens on the port after the chat port unless told otherwise."""
    host, port = endpoint.rsplit(":", 1)
    if port in ("*", "0"):
        return f"{host}:*"
    return f"{host}:{int(port) + 1}"


def bindable(endpoint: str) -> str:
    """ZeroMQ spells "any free port" as ``*``; accept the usual ``0`` too."""
    host, port = endpoint.rsplit(":", 1)
    return f"{host}:*" if port == "0" else endpoint
