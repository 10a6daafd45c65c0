"""Orienta enrollment service: PTI pre-registrations, quotes and handoff tickets (FastAPI).

Personal data stored, and why
-----------------------------
Table ``registros`` (only while the registration exists; erased on ARCO cancellation):

* CURP — identifies the person at IMSS and makes registration idempotent (one open per CURP);
  birth date, sex and state of birth are derived from it to cross-check what the person typed.
* full name, email, phone (E.164) — to contact the person about payment and enrolment.
* country and city of residence, occupation — IMSS asks for them; occupation may set the risk class.
* declared monthly income (+ currency and exchange rate) — sets the contribution amount.
* NSS (optional) — IMSS needs it to enrol; stored only if given.
* privacy-notice version and acceptance timestamp — proof of consent.

Table ``canalizaciones`` stores a short summary plus the channel address (phone, email or
handle) the promoter needs to reply. Table ``auditoria`` keeps only folio, action and time.
Logs carry folios and ticket ids only — never CURP, NSS, email, phone or income.
"""
