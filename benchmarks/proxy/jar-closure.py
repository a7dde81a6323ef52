#!/usr/bin/python3
"""jar-closure.py: which of a shaded jar's classes can be reached from the rest through their constant pools.

Asks whether a group of the jar's entries (CANDIDATE-REGEX, e.g. Bouncy Castle's) could be left out of it: every
class outside the group is a root, and every class name in any constant-pool string of a reached class (class
entries, descriptors, signatures, and string constants in dotted or slashed form, so Class.forName of a literal
counts) is an edge. Names built at run time are not seen: make their packages roots with ROOT-REGEX. A class
matching LEAF-REGEX is reached but treated as never initialized (a presence check): only its supertypes are followed.

usage: /usr/bin/python3 benchmarks/proxy/jar-closure.py JAR ROOT-REGEX CANDIDATE-REGEX [LEAF-REGEX]
       (names slashed: '^org/bouncycastle/'; ROOT-REGEX '^$' for none)
prints: reachable/total per package of the group, then the group's totals on standard error
"""
import re, struct, sys, zipfile, collections

jar, root_re, cand_re = sys.argv[1], re.compile(sys.argv[2]), re.compile(sys.argv[3])
leaf_re = re.compile(sys.argv[4]) if len(sys.argv) > 4 else None
z = zipfile.ZipFile(jar)
names = {}
for n in z.namelist():
    if n.endswith('.class') and not n.startswith('META-INF/versions/'):
        names[n[:-6]] = n
    elif n.endswith('.class') and n.startswith('META-INF/versions/'):
        k = n.split('/', 3)[3][:-6]
        names.setdefault(k + '@mr', n)

NAME = re.compile(r'[A-Za-z_$][\w$]*(?:[/.][A-Za-z_$][\w$]*)+')

def refs(entry, leaf=False):
    b = z.read(entry)
    count = struct.unpack('>H', b[8:10])[0]
    i, idx, out = 10, 1, set()
    utf, cls = {}, {}
    while idx < count:
        tag = b[i]
        if tag == 1:
            ln = struct.unpack('>H', b[i+1:i+3])[0]
            s = b[i+3:i+3+ln].decode('utf-8', 'replace')
            utf[idx] = s
            for m in NAME.findall(s):
                out.add(m.replace('.', '/'))
            i += 3 + ln
        elif tag == 7:
            cls[idx] = struct.unpack('>H', b[i+1:i+3])[0]
            i += 3
        elif tag in (8, 16, 19, 20):
            i += 3
        elif tag == 15:
            i += 4
        elif tag in (3, 4, 9, 10, 11, 12, 17, 18):
            i += 5
        elif tag in (5, 6):
            i += 9; idx += 1
        else:
            raise ValueError('tag %d in %s' % (tag, entry))
        idx += 1
    if leaf:
        sup = struct.unpack('>H', b[i+4:i+6])[0]
        n = struct.unpack('>H', b[i+6:i+8])[0]
        ids = [sup] + [struct.unpack('>H', b[i+8+2*k:i+10+2*k])[0] for k in range(n)]
        return {utf[cls[x]] for x in ids if x}
    return out

classes = names
def outer_chain(c):
    # a nested class keeps its outer classes (InnerClasses attributes name them anyway)
    parts = c.split('$')
    return ['$'.join(parts[:i]) for i in range(1, len(parts))]

reach, todo = set(), [c for c in classes if not cand_re.match(c) or root_re.match(c)]
while todo:
    c = todo.pop()
    if c in reach or c not in classes:
        continue
    reach.add(c)
    mr = c + '@mr'
    for entry in [classes[c]] + ([classes[mr]] if mr in classes else []):
        for r in refs(entry, bool(leaf_re and leaf_re.match(c))):
            if r in classes and r not in reach:
                todo.append(r)
    for o in outer_chain(c):
        if o in classes and o not in reach:
            todo.append(o)

per = collections.defaultdict(lambda: [0, 0])
for c in classes:
    if c.endswith('@mr') or not cand_re.match(c):
        continue
    pkg = c.rsplit('/', 1)[0]
    per[pkg][1] += 1
    if c in reach:
        per[pkg][0] += 1
for pkg in sorted(per):
    print('%5d/%5d %s' % (per[pkg][0], per[pkg][1], pkg))
print('candidates reachable %d of %d' % (sum(v[0] for v in per.values()), sum(v[1] for v in per.values())), file=sys.stderr)
