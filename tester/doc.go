// Package tester is a SCIM client that plays the Okta Provisioning Agent against any
// SCIM 1.1 or 2.0 connector, scimsql or not. It knows nothing of scimsql's internals.
//
// It has two modes:
//
//   - the methods of Okta's connector tester (scim-sdk-tests.jar, PROTOCOL.md §10):
//     Client.RunMethod sends the one request a method names, with the tester's data
//     file, and succeeds or fails as the Java tester does;
//   - the flow check: Client.Check reads the capabilities and, for every capability
//     declared, plays the exact sequence of requests the agent sends for it on test
//     records it creates (named after a prefix) and cleans up afterwards, then checks
//     the list envelope, paging and error details that break Okta imports. The Report
//     says, per capability, declared and working, declared but broken (with the
//     request, the response and what was expected), or working but not declared.
//
// Credentials are never printed: the Authorization header and every header given by
// the caller are redacted in exchanges, and passwords in request bodies are masked.
package tester
