// Package jmessage is the tenant admin API, compatible with the JMessage IM
// REST API: HTTP Basic auth with appKey:masterSecret, JSON bodies, and
// errors as {"error":{"code":8990xx,"message":"..."}}. It maps the wire
// format onto core calls and nothing more.
package jmessage
