// Package cli is iamsweep's command-line entry point: it parses flags,
// builds the adapters (AWS SDK clients, export readers), runs the services
// and renders their results.
//
// Layer: entry point. It may import anything; nothing imports it but
// cmd/iamsweep.
package cli
