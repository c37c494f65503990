"""Governance records: bodies, members, meetings, minutes, decisions, actions and feeds."""
