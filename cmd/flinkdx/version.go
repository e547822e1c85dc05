package main

import "github.com/flinkdx/flinkdx/forensics/engine"

func schemaVersion() int { return engine.SchemaVersion }
