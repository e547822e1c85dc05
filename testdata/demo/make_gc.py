# Writes the GC logs of the demo incident (see PROVENANCE.md); deterministic.
import random, datetime
random.seed(20250314)
UTC=datetime.timezone.utc
def ts(start, up):
    t = start + datetime.timedelta(seconds=up)
    return t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03d+0000' % (t.microsecond//1000)
class Log:
    def __init__(s, start): s.start, s.lines, s.id = start, [], 0
    def l(s, up, tags, msg):
        s.lines.append('[%s][%.3fs][info][%-12s] %s' % (ts(s.start, up), up, tags, msg))
    def young(s, up, yb, ya, ycap, ob, oa, ocap, pause_ms):
        i=s.id; s.id+=1
        s.l(up, 'safepoint', 'Application time: %.7f seconds' % random.uniform(5, 9))
        s.l(up, 'gc,start', 'GC(%d) Pause Young (Allocation Failure)' % i)
        e = up + pause_ms/1000
        s.l(e, 'gc,heap', 'GC(%d) PSYoungGen: %dK->%dK(%dK)' % (i, yb, ya, ycap))
        s.l(e, 'gc,heap', 'GC(%d) ParOldGen: %dK->%dK(%dK)' % (i, ob, oa, ocap))
        s.l(e, 'gc,metaspace', 'GC(%d) Metaspace: 98304K->98304K(1140736K)' % i)
        s.l(e, 'gc', 'GC(%d) Pause Young (Allocation Failure) %dM->%dM(%dM) %.3fms' % (i, (yb+ob)//1024, (ya+oa)//1024, (ycap+ocap)//1024, pause_ms))
        s.l(e, 'gc,cpu', 'GC(%d) User=%.2fs Sys=%.2fs Real=%.2fs' % (i, pause_ms*3.6/1000, pause_ms/10000, pause_ms/1000))
        s.l(e, 'safepoint', 'Total time for which application threads were stopped: %.7f seconds, Stopping threads took: %.7f seconds' % (pause_ms/1000+0.00021, random.uniform(0.00001, 0.00005)))
    def full(s, up, yb, ob, oa, ycap, ocap, pause_ms):
        i=s.id; s.id+=1
        s.l(up, 'safepoint', 'Application time: %.7f seconds' % random.uniform(0.5, 3))
        s.l(up, 'gc,start', 'GC(%d) Pause Full (Ergonomics)' % i)
        t = up
        for ph, share in (('Marking Phase', .46), ('Summary Phase', .001), ('Adjust Roots', .05), ('Compaction Phase', .48), ('Post Compact', .009)):
            s.l(t, 'gc,phases,start', 'GC(%d) %s' % (i, ph))
            t += pause_ms*share/1000
            s.l(t, 'gc,phases', 'GC(%d) %s %.3fms' % (i, ph, pause_ms*share))
        e = up + pause_ms/1000
        s.l(e, 'gc,heap', 'GC(%d) PSYoungGen: %dK->0K(%dK)' % (i, yb, ycap))
        s.l(e, 'gc,heap', 'GC(%d) ParOldGen: %dK->%dK(%dK)' % (i, ob, oa, ocap))
        s.l(e, 'gc,metaspace', 'GC(%d) Metaspace: 98304K->98304K(1140736K)' % i)
        s.l(e, 'gc', 'GC(%d) Pause Full (Ergonomics) %dM->%dM(%dM) %.3fms' % (i, (yb+ob)//1024, oa//1024, (ycap+ocap)//1024, pause_ms))
        s.l(e, 'gc,cpu', 'GC(%d) User=%.2fs Sys=%.2fs Real=%.2fs' % (i, pause_ms*3.8/1000, pause_ms/8000, pause_ms/1000))
        s.l(e, 'safepoint', 'Total time for which application threads were stopped: %.7f seconds, Stopping threads took: %.7f seconds' % (pause_ms/1000+0.00034, random.uniform(0.00001, 0.00008)))
        return e
def header(g):
    g.l(0.011, 'gc', 'Using Parallel')
    g.l(0.012, 'gc,heap,coops', 'Heap address: 0x0000000700000000, size: 4096 MB, Compressed Oops mode: Zero based, Oop shift amount: 3')
    g.l(0.013, 'gc,init', 'Version: 11.0.22+7 (release)')
    g.l(0.013, 'gc,init', 'Heap Max Capacity: 4G')
YC, OC = 1433600, 2796544
# TaskManager 1: session state leaks into the old generation.
tm1 = Log(datetime.datetime(2025,3,14,9,0,6,800000,tzinfo=UTC))
header(tm1)
up, old = 5.0, 180000
rot = None
while up < 600:
    up += random.uniform(7, 9)
    gain = random.randint(28000, 36000)
    tm1.young(up, 1228800, random.randint(90000,130000), YC, old, old+gain, OC, random.uniform(18, 55))
    old += gain
    if up > 300 and rot is None:
        rot = len(tm1.lines)
# 09:10-09:12: the old generation is full; full GCs every half minute.
after = 2450000
while up < 720:
    up += random.uniform(20, 30)
    up = tm1.full(up, 1228800, OC-8000, after, YC, OC, random.uniform(1200, 2500))
    after += random.randint(15000, 30000)
# 09:12-09:13:50: back to back.
while up < 818:
    up += random.uniform(1.0, 2.0)
    up = tm1.full(up, random.randint(900000, 1228800), OC-2000, min(after, OC-30000), YC, OC, random.uniform(2500, 4200))
    after += random.randint(5000, 12000)
# 09:13:52: the spike, then the JVM barely runs until the OOM at 09:14:38.
up = 825.2
up = tm1.full(up, 1228800, OC-1000, OC-12000, YC, OC, 12843.118)
for p in (6911.402, 7204.885, 8125.310, 7480.027):
    up += random.uniform(0.3, 0.8)
    up = tm1.full(up, 1228800, OC-500, OC-9000, YC, OC, p)
# TaskManager 2: healthy.
tm2 = Log(datetime.datetime(2025,3,14,9,0,7,600000,tzinfo=UTC))
header(tm2)
up, old = 4.0, 150000
while up < 950:
    up += random.uniform(12, 18)
    gain = random.randint(2000, 6000)
    tm2.young(up, 1228800, random.randint(60000,90000), YC, old, old+gain, OC, random.uniform(9, 28))
    old += gain
import os
OUT = os.environ.get('OUT', '/tmp/demo/incident')
os.makedirs(OUT+'/taskmanager-1', exist_ok=True)
os.makedirs(OUT+'/taskmanager-2', exist_ok=True)
open(OUT+'/taskmanager-1/gc.log.0','w').write('\n'.join(tm1.lines[:rot])+'\n')
open(OUT+'/taskmanager-1/gc.log','w').write('\n'.join(tm1.lines[rot:])+'\n')
open(OUT+'/taskmanager-2/gc.log','w').write('\n'.join(tm2.lines)+'\n')
print(len(tm1.lines), rot, len(tm2.lines), ts(tm1.start, up))
