"""Reference and demo data: 塔城地区's jurisdictions, demo accounts and a demo ledger."""
