// Package scim holds the SCIM protocol documents scimsql speaks: SCIM 1.1 as Okta's
// Provisioning Agent sends and expects it (users, groups, list envelopes, the SDK's error
// body, /ServiceProviderConfigs). It converts between those JSON documents and the
// engine's protocol-neutral User and Group, guided by the mapping; it knows no SQL.
package scim
