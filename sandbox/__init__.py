"""The sandbox: Jenkins, GitHub and Grafana as HTTP servers on loopback, serving the real APIs' paths and
JSON shapes from a world file. It is the demo ("try opsbot without your Jenkins") and the test bed.
Start all of them with `python -m sandbox`. Nothing in `actions/` knows it exists.
"""
