"""The run host: a process of its own that runs the window's scenarios (client, server, protocol)."""
