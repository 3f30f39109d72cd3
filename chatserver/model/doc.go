// Package model holds the plain data types shared by chatserver's core and
// its store. It has no behaviour beyond defaults, so both layers can depend
// on it without depending on each other's rules.
package model
