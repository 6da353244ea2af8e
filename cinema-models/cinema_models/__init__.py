"""cinema-models: Cinema Chat's model service. Neural models on the box, offline, behind OpenAI's
wire format on loopback, so the Swift side needs one client per kind of model."""

VERSION = "1.0.0"
