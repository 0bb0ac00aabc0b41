"""Tables, the unit of work, and the read queries the inbox and history screens use."""
