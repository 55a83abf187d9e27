// Package bench is scimsql's load benchmark: `scimsql bench` and `make bench-load`.
//
// It creates a database (MySQL/MariaDB) or schema (PostgreSQL) of its own, generates
// MySQL's "employees" sample at any size there with set-based SQL, serves it with the
// examples/mysql-employees mapping (or its PostgreSQL equivalent, embedded here) and,
// side by side, with the hand-written connector of package handwritten, and drives the
// Okta Provisioning Agent's requests at both over HTTP with concurrent keep-alive
// clients: GET /Users/{id}, the check-exists filter on the computed userName and on id,
// POST and PUT /Users, a group push that moves one member of a 25,800-member department,
// the full import in pages of 100 and the agent's mix at increasing concurrency. Each
// scenario gets fresh servers and alternates between them in rounds; the report gives,
// for each server, throughput, exact p50/p99/max latencies, errors, CPU time per request
// (the server's and the database's), and for the import the time, the first and last
// pages, whether every id came back exactly once and the server's peak memory; and
// scimsql's verdict against its targets, relative to the hand-written connector
// measured in the same run.
package bench
