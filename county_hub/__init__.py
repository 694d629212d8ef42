"""County hub (县政务服务中心): receives, routes, decides and supervises.

Where the county's behaviour lives:

- Department work: the inboxes and escalations (`console`, `queues`); the case page and what may be
  done to a case now are common/web/cases.py and common/domain/decisions.py (state machine:
  common/domain/application.py); an outside approval system (`external`, `external_store`).
- Supervision (电子监察): warnings and flags (`supervision`), 督办/催办 (`urge`; rules in
  common/domain/urging.py), the supervisors' pages (`supervision_views`); the dashboard (`dashboard`;
  the counting in common/domain/facts.py and stats.py).
- Administration: the catalog, calendar and staff pages (`admin`, `catalog_admin`) call the same
  functions as the CLI (common/usecases/, common/accounts.py); notices: common/notices.py.
- Talking to people: SMS (`sms`, `sms_store`, `sms_gateway`, `sms_views`), live consults (`consult`,
  `consult_hub`; the calls themselves are common/web/consult_api.py), meetings (`meetings`,
  `meeting_store`).
- The links to its townships are sync/; what each message means is common/replication.py.
  The app factory, its jobs and components: `app`, `tier`.
"""
