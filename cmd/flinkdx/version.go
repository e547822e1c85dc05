package main

import "github.com/flinkdx/flinkdx/forensics/ingest"

func schemaVersion() int { return ingest.SchemaVersion }
