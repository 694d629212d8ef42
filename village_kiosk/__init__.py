"""Village kiosk (村级为民服务室): villagers apply here, online or not.

Where a village's behaviour lives:

- The villagers' touchscreen: finding a service (`kiosk`), the apply journey (`apply`, its rules in
  `journey`, drafts kept until submit in `drafts`), progress checks (`status`, `lookups`), ratings
  (`rating`), notices (`notices`), booking a township visit (`appointment`), receipts (`receipt`),
  read-aloud (`speech`) and the ID card reader (`card_reader`).
- What is written: every submit, supplement and withdrawal request goes through `actions` (pages
  and the JSON API `api` alike); the applicant and form are checked against the catalog item by
  common/domain/submission.py, once, where common/store/applications.py stores the submission.
- The clerk's console (`clerk`, `clerk_store`); what the kiosk and console say about a case (`said`).
- The village decides nothing: its link to the township (sync/) carries its applications up and the
  outcomes, catalog, calendar and notices down (common/replication.py). App factory and Tier: `app`, `tier`.
"""
