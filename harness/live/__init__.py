"""Live interview sessions: a workspace, a journal of what happened, two web views, one packet."""
