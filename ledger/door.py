"""The ledger's one door for writes: `ledger_record` runs as the role below (migration 0026).

The ledger's triggers leave the rows that role writes to the function, which checks them itself;
the function refuses to run as anyone else. A restore made without owners (`pg_restore
--no-owner`) must therefore make the role exist before the backup's grants to it are replayed,
and give the function back to it afterwards.
"""

DOOR_ROLE = "fundadmin_ledger"

BEFORE_RESTORE = (
    f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DOOR_ROLE}') THEN
        CREATE ROLE {DOOR_ROLE} NOLOGIN;
    END IF;
END $$""",
)

# The backup's SQL leaves the search path empty: names are qualified. A backup from before the
# door has an ordinary function, which runs as its caller: left alone.
AFTER_RESTORE = (
    f"""DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_proc WHERE prosecdef AND oid =
                   pg_catalog.to_regprocedure('public.ledger_record(boolean, text, text, jsonb)'))
    THEN
        ALTER FUNCTION public.ledger_record(boolean, text, text, jsonb) OWNER TO {DOOR_ROLE};
    END IF;
END $$""",
)
