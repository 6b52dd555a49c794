-- The city server's PostgreSQL role and database (docs/deploy-server.md). Run as the superuser:
--
--     sudo -u postgres psql -v role=jydesk -v db=jydesk -f postgres-setup.sql
--     (add -v password=... only if the server connects over TCP with a password)
--
-- The role owns its one database and nothing else: no superuser, cannot create databases or
-- roles, no replication. Owning the database lets `jydesk-server migrate` (and `serve`, which
-- migrates on start) create and alter its tables and run ANALYZE.
\set ON_ERROR_STOP on

CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
\if :{?password}
ALTER ROLE :"role" PASSWORD :'password';
\endif
CREATE DATABASE :"db" OWNER :"role" ENCODING 'UTF8' TEMPLATE template0;
-- Nobody else may connect to it (PUBLIC has CONNECT and TEMPORARY on a new database).
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;

\connect :"db"
-- PostgreSQL 15 and later already restrict the public schema to the database owner; this makes
-- older servers (14 and before) the same.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO :"role";
