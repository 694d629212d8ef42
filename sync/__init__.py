"""The sanji sync protocol: store-and-forward over ZeroMQ with CurveZMQ. Knows nothing of applications."""
