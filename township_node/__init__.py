"""Township node (乡镇为民服务中心): relays for its villages and decides township items.

Where a township's behaviour lives:

- Its pages: the window console, walk-ins and the villages' links (`window`, `window_store`,
  `intake`), its JSON API (`api`), the appointment book (`appointments`, `appointment_store`,
  `appointment_views`), the head's dashboard (`dashboard`; periods and rows: common/web/figures.py);
  the app factory and its Tier (`app`, `tier`).
- Its decisions: what a staff member may do to a case now is common/domain/decisions.py; the case
  page that shows and records it is common/web/cases.py; the state machine and custody rule are
  common/domain/application.py, stored by common/store/applications.py.
- Relaying: the links to its villages and the county are sync/ (the protocol, docs/protocol.md);
  what each message means to the node is common/replication.py.
- Notices and meetings it shares with the county: common/notices.py with common/web/notice_views.py,
  common/web/meeting_views.py. Accounts, audit, the catalog and the calendar: common/.
"""
