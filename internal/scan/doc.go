// Package scan runs iamsweep's verdict rules over the principals of an
// account, read through an iamsweep.Inventory, and collects the findings.
//
// Layer: service. It reaches AWS or export files only through the root
// package's interfaces.
package scan
