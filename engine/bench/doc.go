// Package bench is scimsql's load benchmark: `scimsql bench` and `make bench-load`.
//
// It creates a database (MySQL/MariaDB) or schema (PostgreSQL) of its own, generates
// MySQL's "employees" sample at any size there with set-based SQL, serves it with the
// examples/mysql-employees mapping (or its PostgreSQL equivalent, embedded here), and
// drives the Okta Provisioning Agent's requests at it over HTTP with concurrent
// keep-alive clients: GET /Users/{id}, the check-exists filter, POST and PUT /Users, a
// group push that moves one member of a 25,800-member department, the full import in
// pages of 100 and the agent's mix at increasing concurrency. Each scenario gets a fresh
// scimsql; the report gives throughput, exact p50/p99/max latencies, errors, and for
// the import the time, the first and last pages, whether every id came back exactly once
// and the server's peak memory, next to the hand-written Java connector's figures and
// scimsql's targets.
package bench
