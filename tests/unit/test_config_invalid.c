/* Invalid configs, table-driven: each must be refused with an error whose
 * message starts with the exact JSON path (and reason) given. Snippets use
 * ' for " to stay readable; run_case() swaps them back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"

struct bad_case { const char *json; const char *prefix; };

#define DOC(x) "{'ociVersion':'1.2.0','root':{'path':'r'}" x "}"
#define PROC(x) DOC(",'process':{'args':['sh'],'cwd':'/'" x "}")
#define LINUX(x) DOC(",'linux':{" x "}")
#define RES(x) LINUX("'resources':{" x "}")
#define SCMP(x) LINUX("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'" x "}")
#define MNT "{'destination':'/m'}"

static const struct bad_case cases[] = {
    /* document */
    { "null", "config: must be a JSON object, got null" },
    { "[]", "config: must be a JSON object, got array" },
    { "42", "config: must be a JSON object, got number" },
    { "'str'", "config: must be a JSON object, got string" },
    { "true", "config: must be a JSON object, got boolean" },
    { "   \n\t ", "config: empty document" },
    { "{} x", "config: invalid JSON" },
    { "{}{}", "config: invalid JSON" },
    { "{'ociVersion':'1.0.0'", "config: invalid JSON" },
    { "{/* comment */}", "config: invalid JSON" },
    { "{'a':01}", "config: invalid JSON" },
    { "{'a':'\xff'}", "config: invalid UTF-8 at offset 6" },
    { "{'a':'\xc0\xaf'}", "config: invalid UTF-8" },
    { "{'a':'\xed\xa0\x80'}", "config: invalid UTF-8" },   /* surrogate */
    { "{'ociVersion':'1.0.0','ociVersion':'1.0.0'}", "ociVersion: duplicate key" },
    { LINUX("'cgroupsPath':'/a\\u0000b'"), "linux.cgroupsPath: must not contain NUL" },
    { DOC(",'annotations':{'k\\u0000':'v'}"), "annotations.k: key must not contain NUL" },
    /* ociVersion and root */
    { "{}", "ociVersion: is required" },
    { "{'ociVersion':1}", "ociVersion: must be a string" },
    { "{'ociVersion':'2.0.0','root':{'path':'r'}}", "ociVersion: unsupported version \"2.0.0\"" },
    { "{'ociVersion':'1.4.0','root':{'path':'r'}}", "ociVersion: unsupported version \"1.4.0\"" },
    { "{'ociVersion':'0.9.0','root':{'path':'r'}}", "ociVersion: unsupported version \"0.9.0\"" },
    { "{'ociVersion':'1.0','root':{'path':'r'}}", "ociVersion: unsupported version \"1.0\"" },
    { "{'ociVersion':'1.2.x','root':{'path':'r'}}", "ociVersion: unsupported version \"1.2.x\"" },
    { "{'ociVersion':'1.0.0'}", "root: is required" },
    { "{'ociVersion':'1.0.0','root':'r'}", "root: must be an object" },
    { "{'ociVersion':'1.0.0','root':{}}", "root.path: is required" },
    { "{'ociVersion':'1.0.0','root':{'path':1}}", "root.path: must be a string" },
    { "{'ociVersion':'1.0.0','root':{'path':''}}", "root.path: must not be empty" },
    { "{'ociVersion':'1.0.0','root':{'path':'r','readonly':'yes'}}", "root.readonly: must be a boolean" },
    /* process */
    { DOC(",'process':[]"), "process: must be an object" },
    { DOC(",'process':{'cwd':'/'}"), "process.args: must be a non-empty array" },
    { DOC(",'process':{'args':[],'cwd':'/'}"), "process.args: must be a non-empty array" },
    { DOC(",'process':{'args':'sh','cwd':'/'}"), "process.args: must be an array" },
    { DOC(",'process':{'args':[1],'cwd':'/'}"), "process.args[0]: must be a string" },
    { DOC(",'process':{'args':['sh']}"), "process.cwd: is required" },
    { DOC(",'process':{'args':['sh'],'cwd':'tmp'}"), "process.cwd: must be an absolute path" },
    { PROC(",'terminal':'yes'"), "process.terminal: must be a boolean" },
    { PROC(",'consoleSize':{'height':1.5,'width':80}"), "process.consoleSize.height: must be an integer" },
    { PROC(",'consoleSize':{'height':-1,'width':80}"), "process.consoleSize.height: must not be negative" },
    { PROC(",'consoleSize':{'height':24,'width':'80'}"), "process.consoleSize.width: must be an integer" },
    { PROC(",'consoleSize':{'height':24}"), "process.consoleSize.width: is required" },
    { PROC(",'user':{'uid':'0','gid':0}"), "process.user.uid: must be an integer" },
    { PROC(",'user':{'uid':4294967296,'gid':0}"), "process.user.uid: 4294967296 does not fit in 32 bits" },
    { PROC(",'user':{'uid':-1,'gid':0}"), "process.user.uid: must not be negative" },
    { PROC(",'user':{'gid':0}"), "process.user.uid: is required" },
    { PROC(",'user':{'uid':0}"), "process.user.gid: is required" },
    { PROC(",'user':{'uid':0,'gid':0,'umask':512}"), "process.user.umask: 512 out of range" },
    { PROC(",'user':{'uid':0,'gid':0,'additionalGids':['a']}"), "process.user.additionalGids[0]: must be an integer" },
    { PROC(",'user':{'uid':0,'gid':0,'username':0}"), "process.user.username: must be a string" },
    { PROC(",'env':['NOEQUALS']"), "process.env[0]: must be KEY=value" },
    { PROC(",'env':['A=1','=x']"), "process.env[1]: must be KEY=value" },
    { PROC(",'env':[1]"), "process.env[0]: must be a string" },
    { PROC(",'commandLine':'sh'"), "process.commandLine: only supported on Windows" },
    { PROC(",'capabilities':{'bounding':['CAP_FOO']}"), "process.capabilities.bounding[0]: unknown capability \"CAP_FOO\"" },
    { PROC(",'capabilities':{'effective':['CAP_KILL','chown']}"), "process.capabilities.effective[1]: unknown capability \"chown\"" },
    { PROC(",'capabilities':{'ambient':'CAP_KILL'}"), "process.capabilities.ambient: must be an array" },
    { PROC(",'capabilities':{'permitted':[7]}"), "process.capabilities.permitted[0]: must be a string" },
    { PROC(",'capabilities':[]"), "process.capabilities: must be an object" },
    { PROC(",'rlimits':[{'type':'RLIMIT_FOO','hard':1,'soft':1}]"), "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"" },
    { PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':1},{'type':'RLIMIT_NOFILE','hard':2,'soft':2}]"),
      "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
    { PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1}]"), "process.rlimits[0].hard: is required" },
    { PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]"), "process.rlimits[0].soft: is required" },
    { PROC(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1,'soft':2}]"), "process.rlimits[0].soft: 2 exceeds hard limit 1" },
    { PROC(",'rlimits':[{'hard':1,'soft':1}]"), "process.rlimits[0].type: is required" },
    { PROC(",'rlimits':['x']"), "process.rlimits[0]: must be an object" },
    { PROC(",'oomScoreAdj':1001"), "process.oomScoreAdj: 1001 out of range" },
    { PROC(",'oomScoreAdj':-1001"), "process.oomScoreAdj: -1001 out of range" },
    { PROC(",'noNewPrivileges':1"), "process.noNewPrivileges: must be a boolean" },
    { PROC(",'apparmorProfile':5"), "process.apparmorProfile: must be a string" },
    { PROC(",'selinuxLabel':[]"), "process.selinuxLabel: must be a string" },
    { PROC(",'scheduler':{'policy':'SCHED_FOO'}"), "process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"" },
    { PROC(",'scheduler':{'nice':1}"), "process.scheduler.policy: is required" },
    { PROC(",'scheduler':{'policy':'SCHED_OTHER','nice':20}"), "process.scheduler.nice: 20 out of range" },
    { PROC(",'scheduler':{'policy':'SCHED_OTHER','flags':['X']}"), "process.scheduler.flags[0]: unknown scheduler flag \"X\"" },
    { PROC(",'scheduler':{'policy':'SCHED_OTHER','runtime':-1}"), "process.scheduler.runtime: must not be negative" },
    { PROC(",'ioPriority':{'class':'IOPRIO_CLASS_NONE'}"), "process.ioPriority.class: unknown I/O priority class" },
    { PROC(",'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}"), "process.ioPriority.priority: 8 out of range" },
    { PROC(",'execCPUAffinity':{'initial':'a-b'}"), "process.execCPUAffinity.initial: invalid CPU list \"a-b\"" },
    { PROC(",'execCPUAffinity':{'final':'3-1'}"), "process.execCPUAffinity.final: invalid CPU list \"3-1\"" },
    { PROC(",'execCPUAffinity':{'final':'1,'}"), "process.execCPUAffinity.final: invalid CPU list" },
    /* mounts */
    { DOC(",'mounts':{}"), "mounts: must be an array" },
    { DOC(",'mounts':[1]"), "mounts[0]: must be an object" },
    { DOC(",'mounts':[{}]"), "mounts[0].destination: is required" },
    { DOC(",'mounts':[" MNT ",{'destination':'relative'}]"), "mounts[1].destination: must be an absolute path" },
    { DOC(",'mounts':[" MNT ",{'destination':'/a','destination':'/b'}]"), "mounts[1].destination: duplicate key" },
    { DOC(",'mounts':[{'destination':'/m','options':'ro'}]"), "mounts[0].options: must be an array" },
    { DOC(",'mounts':[{'destination':'/m','options':['ro','']}]"), "mounts[0].options[1]: empty mount option" },
    { DOC(",'mounts':[{'destination':'/m','options':[1]}]"), "mounts[0].options[0]: must be a string" },
    { DOC(",'mounts':[{'destination':'/m','type':3}]"), "mounts[0].type: must be a string" },
    { DOC(",'mounts':[{'destination':'/m','source':{}}]"), "mounts[0].source: must be a string" },
    { DOC(",'mounts':[{'destination':'/m','uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]"),
      "mounts[0].uidMappings: must be set together with gidMappings" },
    { DOC(",'mounts':[{'destination':'/m','uidMappings':[{'containerID':0,'hostID':1,'size':0}]}]"),
      "mounts[0].uidMappings[0].size: must be greater than 0" },
    /* hooks */
    { DOC(",'hooks':[]"), "hooks: must be an object" },
    { DOC(",'hooks':{'prestart':{}}"), "hooks.prestart: must be an array" },
    { DOC(",'hooks':{'poststop':[{'path':'rel'}]}"), "hooks.poststop[0].path: must be an absolute path" },
    { DOC(",'hooks':{'createRuntime':[{}]}"), "hooks.createRuntime[0].path: is required" },
    { DOC(",'hooks':{'startContainer':['x']}"), "hooks.startContainer[0]: must be an object" },
    { DOC(",'hooks':{'prestart':[{'path':'/h','timeout':0}]}"), "hooks.prestart[0].timeout: 0 out of range" },
    { DOC(",'hooks':{'prestart':[{'path':'/h','env':['X']}]}"), "hooks.prestart[0].env[0]: must be KEY=value" },
    { DOC(",'hooks':{'createContainer':[{'path':'/h','args':[true]}]}"), "hooks.createContainer[0].args[0]: must be a string" },
    /* annotations, hostname */
    { DOC(",'annotations':{'a':1}"), "annotations[\"a\"]: must be a string" },
    { DOC(",'annotations':[]"), "annotations: must be an object" },
    { DOC(",'hostname':'x'"), "hostname: requires a uts namespace" },
    { DOC(",'domainname':'x'"), "domainname: requires a uts namespace" },
    { DOC(",'hostname':5"), "hostname: must be a string" },
    /* linux: namespaces and id maps */
    { DOC(",'linux':[]"), "linux: must be an object" },
    { LINUX("'namespaces':{}"), "linux.namespaces: must be an array" },
    { LINUX("'namespaces':[{'type':'net'}]"), "linux.namespaces[0].type: unknown namespace \"net\"" },
    { LINUX("'namespaces':[{'type':'pid'},{'type':'pid'}]"), "linux.namespaces[1].type: duplicate namespace \"pid\"" },
    { LINUX("'namespaces':[{'type':'pid','path':'proc/1/ns/pid'}]"), "linux.namespaces[0].path: must be an absolute path" },
    { LINUX("'namespaces':[{}]"), "linux.namespaces[0].type: is required" },
    { LINUX("'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]"), "linux.uidMappings: requires a user namespace" },
    { LINUX("'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]"), "linux.gidMappings: requires a user namespace" },
    { LINUX("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,'size':0}]"),
      "linux.uidMappings[0].size: must be greater than 0" },
    { LINUX("'uidMappings':[{'containerID':0,'hostID':-1,'size':1}]"), "linux.uidMappings[0].hostID: must not be negative" },
    { LINUX("'uidMappings':[{'hostID':1,'size':1}]"), "linux.uidMappings[0].containerID: is required" },
    { LINUX("'gidMappings':[{'containerID':4294967295,'hostID':0,'size':2}]"), "linux.gidMappings[0].size: range exceeds 32-bit ids" },
    { LINUX("'uidMappings':[5]"), "linux.uidMappings[0]: must be an object" },
    /* time offsets, devices, cgroupsPath */
    { LINUX("'timeOffsets':{'monotonic':{'secs':1}}"), "linux.timeOffsets: requires a time namespace" },
    { LINUX("'timeOffsets':{'realtime':{'secs':1}}"), "linux.timeOffsets.realtime: unknown clock" },
    { LINUX("'namespaces':[{'type':'time'}],'timeOffsets':{'monotonic':{'nanosecs':1000000000}}"),
      "linux.timeOffsets.monotonic.nanosecs: must be below 1000000000" },
    { LINUX("'timeOffsets':{'boottime':{'secs':'1'}}"), "linux.timeOffsets.boottime.secs: must be an integer" },
    { LINUX("'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]"), "linux.devices[0].path: must be an absolute path" },
    { LINUX("'devices':[{'path':'/dev/x','type':'x','major':1,'minor':3}]"), "linux.devices[0].type: must be one of" },
    { LINUX("'devices':[{'path':'/dev/x','type':'cc','major':1,'minor':3}]"), "linux.devices[0].type: must be one of" },
    { LINUX("'devices':[{'path':'/dev/x','type':'c','minor':3}]"), "linux.devices[0].major: is required for type \"c\"" },
    { LINUX("'devices':[{'path':'/dev/x','type':'b','major':3}]"), "linux.devices[0].minor: is required for type \"b\"" },
    { LINUX("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,'fileMode':70000}]"), "linux.devices[0].fileMode: 70000 out of range" },
    { LINUX("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,'fileMode':25008}]"),
      "linux.devices[0].fileMode: type bits 060000 do not match type \"c\"" },
    { LINUX("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,'uid':-5}]"), "linux.devices[0].uid: must not be negative" },
    { LINUX("'devices':[{'type':'p'}]"), "linux.devices[0].path: is required" },
    { LINUX("'cgroupsPath':'/a/../b'"), "linux.cgroupsPath: must not contain a \"..\" component" },
    { LINUX("'cgroupsPath':'..'"), "linux.cgroupsPath: must not contain a \"..\" component" },
    { LINUX("'cgroupsPath':'system.slice:cove:..'"), "linux.cgroupsPath: must not contain a \"..\" component" },
    { LINUX("'cgroupsPath':5"), "linux.cgroupsPath: must be a string" },
    /* resources */
    { LINUX("'resources':[]"), "linux.resources: must be an object" },
    { RES("'devices':[{'allow':true,'access':'rwx'}]"), "linux.resources.devices[0].access: must be a non-empty subset" },
    { RES("'devices':[{'allow':true,'access':'rr'}]"), "linux.resources.devices[0].access: must be a non-empty subset" },
    { RES("'devices':[{'allow':true,'access':''}]"), "linux.resources.devices[0].access: must be a non-empty subset" },
    { RES("'devices':[{'allow':true,'type':'u'}]"), "linux.resources.devices[0].type: must be \"a\", \"c\" or \"b\"" },
    { RES("'devices':[{'access':'r'}]"), "linux.resources.devices[0].allow: is required" },
    { RES("'devices':[{'allow':true,'major':-2}]"), "linux.resources.devices[0].major: -2 out of range" },
    { RES("'memory':{'limit':'1G'}"), "linux.resources.memory.limit: must be an integer" },
    { RES("'memory':{'limit':1.5}"), "linux.resources.memory.limit: must be an integer" },
    { RES("'memory':{'limit':1e9}"), "linux.resources.memory.limit: must be an integer" },
    { RES("'memory':{'limit':99999999999999999999}"), "linux.resources.memory.limit: integer 99999999999999999999 out of range" },
    { RES("'memory':{'limit':1,'limit':2}"), "linux.resources.memory.limit: duplicate key" },
    { RES("'memory':{'swappiness':101}"), "linux.resources.memory.swappiness: must be 0..100" },
    { RES("'memory':{'disableOOMKiller':'no'}"), "linux.resources.memory.disableOOMKiller: must be a boolean" },
    { RES("'cpu':{'cpus':5}"), "linux.resources.cpu.cpus: must be a string" },
    { RES("'cpu':{'shares':-1}"), "linux.resources.cpu.shares: must not be negative" },
    { RES("'cpu':{'quota':'max'}"), "linux.resources.cpu.quota: must be an integer" },
    { RES("'pids':{'limit':'x'}"), "linux.resources.pids.limit: must be an integer" },
    { RES("'pids':3"), "linux.resources.pids: must be an object" },
    { RES("'blockIO':{'weight':70000}"), "linux.resources.blockIO.weight: must fit in 16 bits" },
    { RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
      "linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required" },
    { RES("'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':-1}]}"),
      "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: must not be negative" },
    { RES("'blockIO':{'weightDevice':[{'minor':0}]}"), "linux.resources.blockIO.weightDevice[0].major: is required" },
    { RES("'hugepageLimits':[{'limit':1}]"), "linux.resources.hugepageLimits[0].pageSize: is required" },
    { RES("'hugepageLimits':[{'pageSize':'../x','limit':1}]"), "linux.resources.hugepageLimits[0].pageSize: invalid" },
    { RES("'hugepageLimits':[{'pageSize':'2MB'}]"), "linux.resources.hugepageLimits[0].limit: is required" },
    { RES("'network':{'classID':'x'}"), "linux.resources.network.classID: must be an integer" },
    { RES("'network':{'priorities':[{'name':'eth0'}]}"), "linux.resources.network.priorities[0].priority: is required" },
    { RES("'rdma':{'mlx':[]}"), "linux.resources.rdma[\"mlx\"]: must be an object" },
    { RES("'rdma':{'mlx':{'hcaHandles':'1'}}"), "linux.resources.rdma[\"mlx\"].hcaHandles: must be an integer" },
    { RES("'unified':{'../memory.max':'1'}"), "linux.resources.unified[\"../memory.max\"]: invalid cgroup file name" },
    { RES("'unified':{'memory.max':1}"), "linux.resources.unified[\"memory.max\"]: must be a string" },
    /* intelRdt, sysctl */
    { LINUX("'intelRdt':{'closID':'../x'}"), "linux.intelRdt.closID: invalid name" },
    { LINUX("'intelRdt':{'enableMonitoring':'yes'}"), "linux.intelRdt.enableMonitoring: must be a boolean" },
    { LINUX("'intelRdt':{'schemata':'L3:0=f'}"), "linux.intelRdt.schemata: must be an array" },
    { LINUX("'sysctl':{'net.ipv4.ip_forward':'1'}"), "linux.sysctl[\"net.ipv4.ip_forward\"]: requires a \"network\" namespace" },
    { LINUX("'sysctl':{'kernel.shmmax':'1'}"), "linux.sysctl[\"kernel.shmmax\"]: requires a \"ipc\" namespace" },
    { LINUX("'sysctl':{'kernel.msgmax':'1'}"), "linux.sysctl[\"kernel.msgmax\"]: requires a \"ipc\" namespace" },
    { LINUX("'sysctl':{'fs.mqueue.msg_max':'1'}"), "linux.sysctl[\"fs.mqueue.msg_max\"]: requires a \"ipc\" namespace" },
    { LINUX("'sysctl':{'kernel.hostname':'x'}"), "linux.sysctl[\"kernel.hostname\"]: requires a \"uts\" namespace" },
    { LINUX("'sysctl':{'vm.swappiness':'1'}"), "linux.sysctl[\"vm.swappiness\"]: not in a separate kernel namespace" },
    { LINUX("'namespaces':[{'type':'network'}],'sysctl':{'net..x':'1'}"), "linux.sysctl[\"net..x\"]: invalid name" },
    { LINUX("'namespaces':[{'type':'network'}],'sysctl':{'../../net/x':'1'}"), "linux.sysctl[\"......net.x\"]: invalid name" },
    { LINUX("'sysctl':{'net.x':1}"), "linux.sysctl[\"net.x\"]: must be a string" },
    /* seccomp */
    { LINUX("'seccomp':{}"), "linux.seccomp.defaultAction: is required" },
    { LINUX("'seccomp':{'defaultAction':'SCMP_ACT_FOO'}"), "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"" },
    { LINUX("'seccomp':{'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/s'}"), "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be" },
    { SCMP(",'defaultErrnoRet':-1"), "linux.seccomp.defaultErrnoRet: must not be negative" },
    { SCMP(",'architectures':['SCMP_ARCH_VAX']"), "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"" },
    { SCMP(",'flags':['SECCOMP_FILTER_FLAG_X']"), "linux.seccomp.flags[0]: unknown seccomp flag" },
    { SCMP(",'listenerPath':'rel.sock'"), "linux.seccomp.listenerPath: must be an absolute path" },
    { SCMP(",'syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]"), "linux.seccomp.syscalls[0].names: must be a non-empty array" },
    { SCMP(",'syscalls':[{'action':'SCMP_ACT_ALLOW'}]"), "linux.seccomp.syscalls[0].names: must be a non-empty array" },
    { SCMP(",'syscalls':[{'names':['read']}]"), "linux.seccomp.syscalls[0].action: is required" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'ALLOW'}]"), "linux.seccomp.syscalls[0].action: unknown seccomp action \"ALLOW\"" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':1,'op':'EQ'}]}]"),
      "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"EQ\"" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]}]"),
      "linux.seccomp.syscalls[0].args[0].index: 6 out of range" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]"),
      "linux.seccomp.syscalls[0].args[0].value: is required" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':-1,'op':'SCMP_CMP_EQ'}]}]"),
      "linux.seccomp.syscalls[0].args[0].value: must not be negative" },
    { SCMP(",'syscalls':[{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'}]"),
      "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY requires listenerPath" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','errnoRet':-1}]"),
      "linux.seccomp.syscalls[0].errnoRet: must not be negative" },
    { SCMP(",'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'},{'names':[5],'action':'SCMP_ACT_ALLOW'}]"),
      "linux.seccomp.syscalls[1].names[0]: must be a string" },
    /* the rest of linux */
    { LINUX("'rootfsPropagation':'sideways'"), "linux.rootfsPropagation: unknown propagation \"sideways\"" },
    { LINUX("'maskedPaths':['proc/kcore']"), "linux.maskedPaths[0]: must be an absolute path" },
    { LINUX("'readonlyPaths':[1]"), "linux.readonlyPaths[0]: must be a string" },
    { LINUX("'mountLabel':{}"), "linux.mountLabel: must be a string" },
    { LINUX("'personality':{'domain':'LINUX64'}"), "linux.personality.domain: unknown personality domain \"LINUX64\"" },
    { LINUX("'personality':{}"), "linux.personality.domain: is required" },
    { LINUX("'netDevices':{'eth0':{}}"), "linux.netDevices: requires a network namespace" },
    { LINUX("'namespaces':[{'type':'network'}],'netDevices':{'eth0':{'name':'a/b'}}"),
      "linux.netDevices[\"eth0\"].name: invalid interface name" },
    { LINUX("'namespaces':[{'type':'network'}],'netDevices':{'averyveryverylongname':{}}"),
      "linux.netDevices[\"averyveryverylongname\"]: invalid interface name" },
    { LINUX("'netDevices':['eth0']"), "linux.netDevices: must be an object" },
    { LINUX("'memoryPolicy':{'mode':'MPOL_FOO'}"), "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_FOO\"" },
    { LINUX("'memoryPolicy':{'mode':'MPOL_BIND','flags':['MPOL_F_X']}"), "linux.memoryPolicy.flags[0]: unknown memory policy flag" },
    { LINUX("'memoryPolicy':{'mode':'MPOL_BIND','nodes':1}"), "linux.memoryPolicy.nodes: must be a string" },
};

static char *unquote(const char *s) {
    char *d = strdup(s);
    cr_assert_not_null(d);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

static void expect_refused(const char *json, size_t len, const char *prefix, const char *what) {
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    int r = cove_config_parse(json, len, &c, &err);
    cr_expect_lt(r, 0, "%s: accepted", what);
    cr_expect_null(c, "%s: out set on failure", what);
    if (c)
        cove_config_free(c);
    cr_expect_gt(err.code, 0, "%s: no errno", what);
    cr_expect(strncmp(err.msg, prefix, strlen(prefix)) == 0,
              "%s\n  want prefix: %s\n  got:         %s", what, prefix, err.msg);
}

Test(config_invalid, corpus) {
    cr_assert_geq(ARRAY_SIZE(cases), 70);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        _cleanup_free_ char *json = unquote(cases[i].json);
        expect_refused(json, strlen(json), cases[i].prefix, json);
    }
}

Test(config_invalid, rejects_empty_input) {
    expect_refused("", 0, "config: empty document", "empty");
    expect_refused(NULL, 0, "config: empty document", "NULL");
}

Test(config_invalid, rejects_nul_byte_inside) {
    static const char json[] = "{\"ociVersion\":\"1.0.0\"\0,\"root\":{\"path\":\"r\"}}";
    expect_refused(json, sizeof(json) - 1, "config: NUL byte at offset 21", "embedded NUL");
}

Test(config_invalid, does_not_read_past_len) {
    /* A valid prefix followed by garbage the caller did not pass. */
    static const char json[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}GARBAGE";
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_expect_eq(cove_config_parse(json, sizeof(json) - 1 - 7, &c, &err), 0, "%s", err.msg);
    cove_config_free(c);
    expect_refused(json, sizeof(json) - 1, "config: invalid JSON", "trailing garbage");
}

static void deep(size_t levels, char open, char close, const char *prefix) {
    size_t len = 2 * levels;
    _cleanup_free_ char *json = malloc(len + 1);
    cr_assert_not_null(json);
    memset(json, open, levels);
    memset(json + levels, close, levels);
    json[len] = '\0';
    expect_refused(json, len, prefix, "deep");
}

Test(config_invalid, rejects_100k_deep_nesting_without_overflow) {
    deep(100000, '[', ']', "config: JSON nested deeper than 64 levels");
    deep(100000, '{', '}', "config: JSON nested deeper than 64 levels");
    /* Unbalanced: opened but never closed, as a truncated attack might be. */
    _cleanup_free_ char *json = malloc(200001);
    memset(json, '[', 200000);
    json[200000] = '\0';
    expect_refused(json, 200000, "config: JSON nested deeper than 64 levels", "unclosed");
}

Test(config_invalid, depth_limit_is_64) {
    deep(65, '[', ']', "config: JSON nested deeper than 64 levels");
    /* 64 levels passes the depth screen and fails only on the type. */
    deep(64, '[', ']', "config: must be a JSON object, got array");
}

Test(config_invalid, brackets_inside_strings_do_not_count) {
    char json[512];
    char s[200];
    memset(s, '[', 100);
    s[100] = '\0';
    snprintf(json, sizeof(json), "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"%s\\\"]\"}}", s);
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_expect_eq(cove_config_parse(json, strlen(json), &c, &err), 0, "%s", err.msg);
    cove_config_free(c);
}

Test(config_invalid, error_for_late_field_frees_earlier_ones) {
    /* Everything parsed before the failure is released (checked by ASan). */
    const char *json = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},"
                       "\"process\":{\"args\":[\"a\",\"b\"],\"cwd\":\"/\",\"env\":[\"A=1\"]},"
                       "\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",\"mode=1\"]}],"
                       "\"annotations\":{\"a\":\"b\"},"
                       "\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],\"maskedPaths\":[\"/a\"],"
                       "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]},"
                       "\"memoryPolicy\":{\"mode\":\"BAD\"}}}";
    expect_refused(json, strlen(json), "linux.memoryPolicy.mode: unknown memory policy mode", "late failure");
}

/* Every truncation and many single-byte corruptions of a config using
 * every field must be refused or accepted cleanly: no crash, no leak
 * (run under -DCOVE_SANITIZE=ON). */
Test(config_invalid, truncations_and_corruptions_never_crash) {
    char path[512];
    snprintf(path, sizeof(path), "%s/config/valid/full.json", COVE_FIXTURES);
    FILE *f = fopen(path, "re");
    cr_assert_not_null(f);
    static char buf[65536];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    cr_assert_gt(len, 1000);
    size_t end = len;
    while (end > 0 && buf[end - 1] != '}')
        end--;
    for (size_t cut = 0; cut < end; cut++) {
        struct cove_config *c = NULL;
        struct cove_err err = { 0 };
        int r = cove_config_parse(buf, cut, &c, &err);
        cr_assert_lt(r, 0, "truncated at %zu accepted", cut);
        cr_assert_null(c);
    }
    static const char bytes[] = { '"', '{', '}', '[', ']', ',', ':', '0', '-', 'x', '\\', ' ', (char)0x80 };
    unsigned seed = 12345;
    for (int i = 0; i < 4000; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 8) % len;
        char saved = buf[pos];
        buf[pos] = bytes[(seed >> 20) % sizeof(bytes)];
        struct cove_config *c = NULL;
        struct cove_err err = { 0 };
        if (cove_config_parse(buf, len, &c, &err) == 0)
            cove_config_free(c);
        else
            cr_assert(err.msg[0] != '\0', "error without a message at %zu", pos);
        buf[pos] = saved;
    }
}
