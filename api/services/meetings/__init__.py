"""The council-meeting area (部会), one use-case module per decision:

- lifecycle: plan and edit a meeting, move it scheduled → notice_sent → held → minutes_published
  (or cancelled);
- agenda: its agenda items and their order;
- councils: councils, subcommittees, the agencies subscribed to their notices, and notice deliveries;
- public_calendar: what anyone may read about meetings, as JSON and as an iCalendar feed;
- queries: the area's shared queries (no commits).

The rest of the area sits in its layer: api/routers/meetings.py and public_meetings.py (HTTP),
api/schemas/meetings.py, api/domain/meeting_transitions.py and meeting_minutes.py (pure rules),
api/db/models/meetings.py (tables), api/demo/seed_meetings.py, tests/api/test_meetings.py and
tests/authz/meetings.py."""
