//go:build race

package main

// raceEnabled: the server binary the process tests build gets -race too,
// so it reuses the packages this test binary compiled.
const raceEnabled = true
