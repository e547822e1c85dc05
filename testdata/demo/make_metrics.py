# Writes the metric scrapes and the HistoryServer archive of the demo
# incident (see PROVENANCE.md); deterministic.
import json, os, datetime
OUT = os.environ.get('OUT', '/tmp/demo/incident')
UTC = datetime.timezone.utc
JOB, NAME = '5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3', 'clickstream-enrichment'
SRC, WIN = 'bc764cd8ddf7a0cff126f51c16239658', '0a448493b4782967b150582570326227'
SRC_NAME = 'Source:_Kafka_Source_->_Map'
WIN_NAME = 'Window(TumblingEventTimeWindows(60000),_EventTimeTrigger,_SessionAggregator)_->_Sink:_Elasticsearch'
TMS = [('10.0.3.21:35011-7a1c2e', '10.0.3.21'), ('10.0.3.22:41377-b83d90', '10.0.3.22')]
def ms(h, m, s, milli=0):
    return int(datetime.datetime(2025, 3, 14, h, m, s, milli * 1000, tzinfo=UTC).timestamp() * 1000)
# PrometheusReporter scrapes of both TaskManagers and the JobManager, every
# 15 s from 09:05 to 09:17. The window operator (2/2), on TaskManager 2,
# is slow: its input pool is full and its output pool empty (the root of
# the backpressure); the source before it is backpressured. At 09:10 the
# source's watermark jumps to 2050 (a record with a broken timestamp).
# Checkpoints grow: 48 MB, 392 MB, then 610 MB after the restart.
lines = []
t = ms(9, 5, 0)
end = ms(9, 17, 15)
while t <= end:
    lines.append('# scrape %s' % datetime.datetime.fromtimestamp(t / 1000, UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))
    minutes = (t - ms(9, 5, 0)) / 60000.0
    tm1_alive = t < ms(9, 14, 39)
    ck = 48211730 if t < ms(9, 3, 19) else 392004118
    if t >= ms(9, 15, 51):
        ck = 640122981
    lines.append('flink_jobmanager_job_lastCheckpointSize{host="flink-jobmanager",job_id="%s",job_name="%s",} %d.0 %d' % (JOB, NAME, ck, t))
    lines.append('flink_jobmanager_job_numberOfFailedCheckpoints{host="flink-jobmanager",job_id="%s",job_name="%s",} %d.0 %d' % (JOB, NAME, 1 if t >= ms(9, 14, 13) else 0, t))
    for i, (tm, host) in enumerate(TMS):
        if i == 0 and not tm1_alive:
            continue
        heap = (1200 + 260 * minutes) * 2**20 if i == 0 else (900 + 8 * minutes) * 2**20
        lines.append('flink_taskmanager_Status_JVM_Memory_Heap_Used{host="%s",tm_id="%s",} %.1f %d' % (host, tm, min(heap, 4.1e9), t))
        sub = i
        base = 'job_id="%s",task_id="%s",host="%s",task_name="%s",job_name="%s",tm_id="%s",subtask_index="%d",'
        s = base % (JOB, SRC, host, SRC_NAME, NAME, tm, sub)
        w = base % (JOB, WIN, host, WIN_NAME, NAME, tm, sub)
        slow = i == 1  # the window operator (2/2) is the root
        lines.append('flink_taskmanager_job_task_buffers_outPoolUsage{%s} %.2f %d' % (s, 1.0 if t > ms(9, 7, 0) else 0.3, t))
        lines.append('flink_taskmanager_job_task_buffers_inPoolUsage{%s} %.2f %d' % (s, 0.0, t))
        lines.append('flink_taskmanager_job_task_backPressuredTimeMsPerSecond{%s} %.1f %d' % (s, 870.0 if t > ms(9, 7, 0) else 40.0, t))
        lines.append('flink_taskmanager_job_task_busyTimeMsPerSecond{%s} %.1f %d' % (s, 90.0, t))
        lines.append('flink_taskmanager_job_task_numRecordsOutPerSecond{%s} %.1f %d' % (s, 5200.0 - 3400 * min(1, minutes / 5), t))
        lines.append('flink_taskmanager_job_task_buffers_inPoolUsage{%s} %.2f %d' % (w, 1.0 if slow and t > ms(9, 7, 0) else 0.4, t))
        lines.append('flink_taskmanager_job_task_buffers_outPoolUsage{%s} %.2f %d' % (w, 0.05, t))
        lines.append('flink_taskmanager_job_task_busyTimeMsPerSecond{%s} %s %d' % (w, ('990.0' if slow else '430.0') if t > ms(9, 7, 0) else 'NaN', t))
        lines.append('flink_taskmanager_job_task_backPressuredTimeMsPerSecond{%s} %.1f %d' % (w, 0.0, t))
        # A hot key: the window's subtask 1 (2/2) takes in 85 % of the records.
        src_rate = 5200.0 - 3400 * min(1, minutes / 5)
        lines.append('flink_taskmanager_job_task_numRecordsInPerSecond{%s} %.1f %d' % (w, 2 * src_rate * (0.85 if slow else 0.15), t))
        wm = t - 4000 if t < ms(9, 10, 0) else 2524608000000  # 2050-01-01
        lines.append('flink_taskmanager_job_task_operator_currentOutputWatermark{%soperator_id="cbc357ccb763df2852fee8c4fc7d55f2",operator_name="Source:_Kafka_Source",} %d.0 %d' % (s, wm, t))
        lines.append('flink_taskmanager_job_task_operator_currentInputWatermark{%soperator_id="%s",operator_name="SessionAggregator",} %s %d' % (w, WIN, '%d.0' % wm if t > ms(9, 5, 30) else '-9.223372036854776E18', t))
    t += 15000
os.makedirs(OUT + '/prometheus', exist_ok=True)
open(OUT + '/prometheus/scrapes.prom', 'w').write('\n'.join(lines) + '\n')
# The HistoryServer archive the JobManager wrote when the job failed.
def vertex(vid, name, bp, busy, status):
    return {"id": vid, "name": name, "maxParallelism": 128, "parallelism": 2, "status": status,
            "start-time": ms(9, 1, 13, 420), "end-time": ms(9, 17, 20, 600), "duration": ms(9, 17, 20, 600) - ms(9, 1, 13, 420),
            "tasks": {"CANCELED": 1 if status == "CANCELED" else 0, "FAILED": 1 if status == "FAILED" else 0, "RUNNING": 0, "FINISHED": 0},
            "metrics": {"read-bytes": 0, "read-bytes-complete": True, "write-bytes": 91233412, "write-bytes-complete": True,
                        "read-records": 0, "read-records-complete": True, "write-records": 1832211, "write-records-complete": True,
                        "accumulated-backpressured-time": bp, "accumulated-idle-time": 0, "accumulated-busy-time": busy}}
job = {"jid": JOB, "name": NAME, "isStoppable": False, "state": "FAILED", "start-time": ms(9, 1, 13, 300),
       "end-time": ms(9, 17, 20, 610), "duration": ms(9, 17, 20, 610) - ms(9, 1, 13, 300), "maxParallelism": -1, "now": ms(9, 17, 20, 700),
       "timestamps": {"INITIALIZING": ms(9, 1, 13, 300), "CREATED": ms(9, 1, 13, 405), "RUNNING": ms(9, 16, 12, 131),
                      "RESTARTING": ms(9, 16, 2, 125), "FAILING": ms(9, 17, 20, 452), "FAILED": ms(9, 17, 20, 610),
                      "CANCELLING": 0, "CANCELED": 0, "FINISHED": 0, "SUSPENDED": 0, "RECONCILING": 0},
       "plan": {"jid": JOB, "name": NAME, "type": "STREAMING", "nodes": [
           {"id": WIN, "parallelism": 2, "operator": "", "operator_strategy": "", "description": WIN_NAME.replace('_', ' '),
            "inputs": [{"num": 0, "id": SRC, "ship_strategy": "HASH", "exchange": "pipelined_bounded"}]},
           {"id": SRC, "parallelism": 2, "operator": "", "operator_strategy": "", "description": SRC_NAME.replace('_', ' ')}]},
       "vertices": [vertex(SRC, "Source: Kafka Source -> Map", 611200, 70400, "CANCELED"),
                    vertex(WIN, "Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch", 0, "NaN", "FAILED")]}
def ckpt(i, status, trig, ack, size, msg=None):
    c = {"className": "completed" if status == "COMPLETED" else "failed", "id": i, "status": status, "is_savepoint": False,
         "trigger_timestamp": trig, "latest_ack_timestamp": ack, "checkpointed_size": size, "state_size": size,
         "end_to_end_duration": ack - trig if ack > 0 else -1, "alignment_buffered": 0, "processed_data": 0, "persisted_data": 0,
         "num_subtasks": 4, "num_acknowledged_subtasks": 4 if status == "COMPLETED" else 2, "checkpoint_type": "CHECKPOINT", "tasks": {}}
    if status == "COMPLETED":
        c["external_path"] = "s3://flink-checkpoints/%s/chk-%d" % (JOB, i)
        c["discarded"] = i < 4
    else:
        c["failure_timestamp"] = ack
        c["failure_message"] = msg
    return c
history = [ckpt(5, "FAILED", ms(9, 16, 1, 900), ms(9, 16, 2, 117), 0, "Could not complete snapshot 5 for operator Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch (2/2)#1. Failure reason: java.lang.OutOfMemoryError: Java heap space"),
           ckpt(4, "COMPLETED", ms(9, 15, 51, 940), ms(9, 15, 58, 702), 640122981),
           ckpt(3, "FAILED", ms(9, 4, 13, 418), ms(9, 14, 13, 431), 0, "Checkpoint expired before completing."),
           ckpt(2, "COMPLETED", ms(9, 3, 13, 418), ms(9, 3, 19, 114), 392004118),
           ckpt(1, "COMPLETED", ms(9, 2, 13, 418), ms(9, 2, 14, 806), 48211730)]
checkpoints = {"counts": {"restored": 1, "total": 5, "in_progress": 0, "completed": 3, "failed": 2},
               "summary": {}, "latest": {"completed": history[1], "savepoint": None, "failed": history[0],
               "restored": {"id": 2, "restore_timestamp": ms(9, 14, 51, 940), "is_savepoint": False, "external_path": "s3://flink-checkpoints/%s/chk-2" % JOB}},
               "history": history}
def exc(t, name, task, loc, trace):
    return {"exceptionName": name, "stacktrace": trace, "timestamp": t, "taskName": task, "location": loc, "taskManagerId": loc}
oom = "java.lang.OutOfMemoryError: Java heap space\n\tat com.example.clickstream.SessionAggregator.add(SessionAggregator.java:57)"
exceptions = {"root-exception": oom, "timestamp": ms(9, 17, 20, 448), "all-exceptions": [], "truncated": False,
              "exceptionHistory": {"truncated": False, "entries": [
                  exc(ms(9, 17, 20, 448), "java.lang.OutOfMemoryError", "Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch (2/2)", "10.0.3.22:41377-b83d90", oom),
                  exc(ms(9, 16, 2, 117), "java.lang.OutOfMemoryError", "Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch (2/2)", "10.0.3.22:41377-b83d90", oom),
                  exc(ms(9, 14, 41, 910), "java.util.concurrent.TimeoutException", "Source: Kafka Source -> Map (1/2)", "10.0.3.21:35011-7a1c2e",
                      "java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id 10.0.3.21:35011-7a1c2e timed out.")]}}
overview = {"jobs": [{"jid": JOB, "name": NAME, "start-time": job["start-time"], "end-time": job["end-time"], "duration": job["duration"],
                      "state": "FAILED", "last-modification": job["end-time"], "tasks": {"total": 4, "failed": 1, "canceled": 3}}]}
archive = {"archive": [
    {"path": "/jobs/overview", "json": json.dumps(overview)},
    {"path": "/jobs/%s" % JOB, "json": json.dumps(job)},
    {"path": "/jobs/%s/checkpoints" % JOB, "json": json.dumps(checkpoints)},
    {"path": "/jobs/%s/exceptions" % JOB, "json": json.dumps(exceptions)},
    {"path": "/jobs/%s/config" % JOB, "json": json.dumps({"jid": JOB, "name": NAME, "execution-config": {"execution-mode": "PIPELINED", "restart-strategy": "Restart with fixed delay (10000 ms). #2 restart attempts.", "job-parallelism": 2}})},
]}
os.makedirs(OUT + '/jobmanager/archive', exist_ok=True)
open(OUT + '/jobmanager/archive/' + JOB, 'w').write(json.dumps(archive))
print(len(lines), 'metric lines')
