// Package mappings reads a scimsql mapping file: the YAML that says which database to
// reach, how Okta's Provisioning Agent authenticates, and how SCIM users and groups bind
// to tables, columns and templated SQL.
//
// The package is pure. Files go in, and an immutable, validated [Mapping] comes out; it
// does no I/O besides reading the mapping and the files it names (secret files), it
// opens no database and imports neither engine nor dialects. Environment variables are
// read through [Options.LookupEnv], so callers and tests can supply their own.
//
// Loading is strict. The version key is read first, and a version other than [Version]
// stops loading before anything else is interpreted. Every other key is checked against
// the set the loader reads, so a misspelt key is an error rather than a silently ignored
// setting. Templates are parsed once, here, with missingkey=error and sprig's hermetic
// functions, and each remembers the file:line:col it came from.
//
// Validation reports every problem at once, sorted by position, as an [Errors] value
// whose lines look like
//
//	file.yaml:12:5: users.attributes.emails: message
//
// that is, the file (relative to the working directory when it lies below it), the line
// and column of the offending YAML node, the dotted key path, and a lowercase message.
//
// Secrets (the DSN after ${VAR} expansion, basic-auth passwords, header values) are held
// in [Secret], which prints as <secret> with every fmt verb and is revealed only where it
// is used. schema.json in this directory documents the format as a JSON Schema; a test
// keeps it in step with the loader.
package mappings
