"""A fictional ninth country, Northmark (XN): one module and one data file, as README says."""
