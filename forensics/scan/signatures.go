package scan

// The failure signatures real incidents show (the playbook's "Failure
// signatures beyond the seed"), as data: one detector
// (rule_signatures.go) reads them. A signature matches a log event when
// its exception class, or a phrase of it, is in the event's message, its
// exception, or any "Caused by:" of its trace; the finding names the
// deepest cause. Adding a signature is one entry here and a test on a real
// line in signatures_test.go.

// Signature is one failure a log line shows.
type Signature struct {
	Rule     string
	Title    string // what the finding says it is
	Section  Section
	Severity Severity
	// Classes are exception classes, by simple name
	// ("NoResourceAvailableException") or by package prefix ending in '.'
	// ("org.apache.kafka.common.errors.").
	Classes []string
	// Phrases are parts of a message or of an exception's message.
	Phrases []string
	// Unless are phrases that, found in the same event, keep the
	// signature from matching (a normal shutdown that mentions a signal).
	Unless []string
	// Causes are the rules this failure may lead to (a task failure, a job
	// restart): the causal timeline links them.
	Causes []string
	Remedy string
	Doc    string // the Flink or JVM documentation that explains it
}

var failures = []string{"job.failed", "job.restart", "job.restart-loop", "job.restarts-exhausted"}

var signatures = []Signature{
	{Rule: "jvm.start-failed", Title: "the JVM could not start", Section: Environment, Severity: Critical,
		Phrases: []string{"There is insufficient memory for the Java Runtime Environment to continue",
			"Could not create the Java Virtual Machine", "Cannot allocate memory' (errno=12)", "(errno=12)",
			"pthread_create failed", "Could not reserve enough space for object heap", "Error occurred during initialization of VM"},
		Causes: []string{"heartbeat.timeout"},
		Remedy: "the host or container has less memory (or fewer threads) than the JVM asks for: lower -Xmx and the process memory (taskmanager.memory.process.size), raise the container's limit, or check the pids limit",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/memory/mem_trouble/"},
	{Rule: "process.signal", Title: "the process was told to stop by a signal", Section: Environment, Severity: Warning,
		Phrases: []string{"RECEIVED SIGNAL 15: SIGTERM", "RECEIVED SIGNAL 9: SIGKILL", "RECEIVED SIGNAL 1: SIGHUP", "RECEIVED SIGNAL 2: SIGINT"},
		Causes:  []string{"heartbeat.timeout", "job.restart", "job.failed"},
		Remedy:  "find who sent it: the resource manager (YARN, Kubernetes evicting or scaling the pod), an operator, or a deployment; a SIGTERM after a container kill is its effect",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/overview/"},
	{Rule: "process.exit", Title: "the process exited with an error code", Section: Environment, Severity: Critical,
		Phrases: []string{"with exit code 1.", "with exit code 2.", "with exit code 239", "with exit code 243", "with exit code 31.",
			"with exit code 1443", "exited with exit code 1 ", "Terminating TaskManagerRunner with exit code 1", "Terminating cluster entrypoint process"},
		Unless: []string{"with exit code 0"},
		Causes: []string{"heartbeat.timeout", "job.restart", "job.failed"},
		Remedy: "the exit code says why (playbook: 1 start-up error, 2 fatal error while running, 239 fatal uncaught exception such as an OutOfMemoryError, 1443 the job failed); read the lines before it",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/overview/"},
	{Rule: "process.start-failed", Title: "a Flink process failed to start", Section: Environment, Severity: Critical,
		Classes: []string{"IllegalConfigurationException"},
		Phrases: []string{"Could not start cluster entrypoint", "TaskManager initialization failed", "Error while starting the TaskManager",
			"Failed to run JobManager", "Could not create JobManager actor system", "Could not start the ResourceManager",
			"Could not get JVM parameters and dynamic configurations properly", "Failed to start the TaskManager",
			"Fatal error occurred in the cluster entrypoint"},
		Causes: []string{"heartbeat.timeout", "job.failed"},
		Remedy: "read the exception: a configuration that does not add up (memory sizes, ports, addresses that do not resolve yet), or a missing file or dependency",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/"},
	{Rule: "task.cancel-timeout", Title: "a task did not stop when cancelled", Section: LogEvidence, Severity: Critical,
		Phrases: []string{"did not exit gracefully within", "did not react to cancelling signal", "is stuck in method",
			"Task cancellation timed out", "Fatal error: Task did not exit gracefully"},
		Causes: []string{"heartbeat.timeout", "job.restart", "job.failed"},
		Remedy: "a user function or connector blocks and ignores interruption (a blocking client call, a lock, a sleep): make it interruptible; the watchdog (task.cancellation.timeout) kills the whole TaskManager",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/#task-cancellation-timeout"},
	{Rule: "resources.unavailable", Title: "the job could not get the slots it needs", Section: Timeline, Severity: Critical,
		Classes: []string{"NoResourceAvailableException"},
		Phrases: []string{"Could not acquire the minimum required resources", "Not enough free slots available to run the job",
			"Slot request bulk is not fulfillable", "Could not allocate the required slot within slot request timeout",
			"Could not fulfill slot request"},
		Causes: failures,
		Remedy: "no TaskManager has free slots: check that TaskManagers started and registered (their logs, the resource manager's), that parallelism does not exceed the slots, and the cluster's quota",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/concepts/flink-architecture/#task-slots-and-resources"},
	{Rule: "kafka.producer-fenced", Title: "a Kafka transactional producer was fenced", Section: LogEvidence, Severity: Critical,
		Classes: []string{"ProducerFencedException", "InvalidProducerEpochException"},
		Causes:  failures,
		Remedy:  "two producers share a transactional id: give each job (and each run restored from the same savepoint) its own transactional id prefix, and keep transaction.timeout.ms below the broker's transaction.max.timeout.ms",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kafka/#fault-tolerance"},
	{Rule: "kafka.transaction-failed", Title: "a Kafka transaction failed", Section: LogEvidence, Severity: Critical,
		Phrases: []string{"The transaction timeout is larger than the maximum value allowed by the broker",
			"error in EndTxnResponse", "error in InitProducerIdResponse", "error in AddOffsetsToTxnResponse", "error in AddPartitionsToTxnResponse"},
		Classes: []string{"InvalidTxnStateException", "TransactionAbortedException"},
		Causes:  failures,
		Remedy:  "set the producer's transaction.timeout.ms at or below the broker's transaction.max.timeout.ms (15 min by default) and above the checkpoint interval; check the broker's transaction coordinator",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kafka/#kafka-producers-and-fault-tolerance"},
	{Rule: "kafka.offset-out-of-range", Title: "Kafka offsets out of range", Section: LogEvidence, Severity: Critical,
		Classes: []string{"OffsetOutOfRangeException"},
		Phrases: []string{"Offsets out of range with no configured reset policy"},
		Causes:  failures,
		Remedy:  "the committed or restored offsets were deleted by retention: restore from a newer checkpoint, set an offset reset strategy, or keep the topic's data longer",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kafka/#starting-offset"},
	{Rule: "kafka.unknown-topic", Title: "a Kafka topic does not exist", Section: LogEvidence, Severity: Critical,
		Classes: []string{"UnknownTopicOrPartitionException"},
		Phrases: []string{"does not exist in the metadata", "Topic not present in metadata"},
		Causes:  failures,
		Remedy:  "create the topic or fix its name; check the client's access to it",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kafka/"},
	{Rule: "kafka.timeout", Title: "Kafka calls timed out", Section: LogEvidence, Severity: Warning,
		Classes: []string{"org.apache.kafka.common.errors.TimeoutException", "org.apache.flink.kafka.shaded.org.apache.kafka.common.errors.TimeoutException"},
		Phrases: []string{"before the position for partition", "Timeout expired while fetching topic metadata", "Failed to update metadata after"},
		Causes:  failures,
		Remedy:  "the brokers are unreachable or slow from the TaskManagers: check bootstrap.servers (advertised listeners), the network and the brokers' load; raise request.timeout.ms/default.api.timeout.ms only after that",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kafka/"},
	{Rule: "network.remote-closed", Title: "a data connection between TaskManagers broke", Section: LogEvidence, Severity: Warning,
		Classes: []string{"RemoteTransportException", "LocalTransportException", "PartitionNotFoundException", "PartitionConnectionException"},
		Phrases: []string{"Connection unexpectedly closed by remote task manager", "Lost connection to task manager"},
		Causes:  failures,
		Remedy:  "the other TaskManager died or was unreachable: look for its failure first (killed, OOM, long GC); else the network or taskmanager.network.request-backoff settings",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/#taskmanager-network-request-backoff-max"},
	{Rule: "rpc.unreachable", Title: "a Flink process could not reach the JobManager or ResourceManager", Section: LogEvidence, Severity: Warning,
		Classes: []string{"RegistrationTimeoutException", "ActorNotFound", "RecipientUnreachableException"},
		Phrases: []string{"Could not resolve ResourceManager address", "Association with remote system", "Could not connect to rpc endpoint",
			"Connection refused: ", "Dropping message", "non-local recipient", "Could not register at the ResourceManager"},
		Causes: append([]string{"heartbeat.timeout"}, failures...),
		Remedy: "the JobManager is down or its address does not resolve or route from this process: check jobmanager.rpc.address and port, the Kubernetes service or YARN address, firewalls, and that the JobManager is up",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/#jobmanager-rpc-address"},
	{Rule: "ha.zookeeper", Title: "the connection to ZooKeeper was suspended or lost", Section: LogEvidence, Severity: Warning,
		Phrases: []string{"State change: SUSPENDED", "State change: LOST", "Connection to ZooKeeper suspended", "Connection to ZooKeeper was lost",
			"ZooKeeper connection SUSPENDED", "lost leadership", "revoked leadership"},
		Causes: failures,
		Remedy: "ZooKeeper is overloaded or unreachable, or a long GC pause exceeded its session timeout: check ZooKeeper and the pauses (high-availability.zookeeper.client.session-timeout)",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/ha/zookeeper_ha/"},
	{Rule: "rest.job-not-found", Title: "the REST API does not know the job", Section: LogEvidence, Severity: Warning,
		Classes: []string{"FlinkJobNotFoundException"},
		Remedy:  "the job ended and was removed, or the request went to another cluster: check the job id and the HistoryServer",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/rest_api/"},
	{Rule: "rest.bad-request", Title: "the JobManager could not read a REST request", Section: LogEvidence, Severity: Warning,
		Classes: []string{"MismatchedInputException", "RestHandlerException"},
		Phrases: []string{"Request did not match expected format"},
		Remedy:  "the client and the cluster speak different versions of the REST API: use a client of the cluster's Flink version",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/rest_api/"},
	{Rule: "code.dependency", Title: "a class or method is missing or clashes (dependency conflict)", Section: LogEvidence, Severity: Critical,
		Classes: []string{"ClassNotFoundException", "NoClassDefFoundError", "NoSuchMethodError", "NoSuchFieldError", "LinkageError",
			"VerifyError", "IncompatibleClassChangeError", "AbstractMethodError", "UnsupportedClassVersionError"},
		Phrases: []string{"Cannot load user class"},
		Causes:  failures,
		Remedy:  "the job's jar and the cluster disagree on a library: build connectors for the cluster's Flink version, shade or exclude the conflicting dependency, check classloader.resolve-order and the jars in lib/",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/debugging/debugging_classloading/"},
	{Rule: "code.serialization", Title: "a record, key or state could not be serialized", Section: LogEvidence, Severity: Critical,
		Classes: []string{"KryoException", "InvalidClassException", "NotSerializableException", "InvalidTypesException"},
		Phrases: []string{"Exception occurred while setting the current key context", "Could not serialize", "Could not deserialize",
			"is not serializable", "Could not instantiate serializer"},
		Causes: failures,
		Remedy: "use types Flink serializes itself (POJOs, Avro, Tuples) or register a serializer; a lambda or a non-serializable field captured in a function cannot be shipped",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/serialization/types_serialization/"},
	{Rule: "job.submission-failed", Title: "the job could not be submitted", Section: Timeline, Severity: Critical,
		Classes: []string{"ProgramInvocationException", "JobSubmissionException", "ProgramMissingJobException"},
		Phrases: []string{"No operators defined in streaming topology", "Could not submit job", "Failed to submit JobGraph", "Could not retrieve the execution result"},
		Remedy:  "the job's main() failed before the job ran: read its exception (arguments, configuration, an empty topology, a cluster that is not reachable)",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/cli/"},
	{Rule: "state.backend", Title: "state could not be read or restored", Section: Checkpoints, Severity: Critical,
		Classes: []string{"RocksDBException", "StateMigrationException"},
		Phrases: []string{"Error while retrieving data from RocksDB", "Error while adding data to RocksDB", "Failed to restore operator state backend",
			"Exception while creating StateInitializationContext", "Could not restore keyed state backend", "Could not restore operator state backend",
			"Error while getting state", "Error getting state"},
		Causes: failures,
		Remedy: "a state backend failed: on restore, the savepoint does not match the job (operator uids, state types, serializers); while running, RocksDB ran out of memory or disk (managed memory, block cache, local directories)",
		Doc:    "https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/state/state_backends/"},
	{Rule: "network.buffers", Title: "not enough network buffers", Section: Throughput, Severity: Critical,
		Phrases: []string{"Insufficient number of network buffers"},
		Causes:  failures,
		Remedy:  "raise the network memory (taskmanager.memory.network.fraction / min / max) or lower the parallelism or the number of slots per TaskManager",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/memory/network_mem_tuning/"},
	{Rule: "storage.access-denied", Title: "the file system refused access", Section: LogEvidence, Severity: Critical,
		Classes: []string{"AccessDeniedException", "NoAuthWithAWSException", "AccessControlException"},
		Phrases: []string{"No AWS Credentials provided", "Permission denied", "403 Forbidden", "Access Denied"},
		Causes:  failures,
		Remedy:  "give the TaskManagers and the JobManager credentials for the bucket or directory (s3.access-key, an IAM role, a Kerberos ticket) and write permission on the checkpoint and sink paths",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/filesystems/s3/"},
	{Rule: "coordinator.global-failure", Title: "an operator coordinator failed the job", Section: LogEvidence, Severity: Critical,
		Phrases: []string{"Global failure triggered by OperatorCoordinator", "triggering global failure", "Trigger global failover", "failing the job globally"},
		Causes:  failures,
		Remedy:  "an operator coordinator (a source enumerator, a sink committer) failed: read its cause; it restarts the whole job, not one region",
		Doc:     "https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/state/task_failure_recovery/"},
}
