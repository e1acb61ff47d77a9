#!/bin/bash
# What a hostile workflow tries from inside its job. One line per attempt:
# "DENIED <what>" when it failed, "LEAKED <what>: <what it got>" when it did not;
# "ENV <line>" for every variable of every process it can see; "UID <n>" for who it is.
# Arguments: DATA_DIR, the checkout, another job's id, the API's port, a unique name, the
# pid of the worker (whose environment holds the deployment's secrets).
data_dir=$1 checkout=$2 other_job=$3 api_port=$4 unique=$5 worker_pid=$6
own_job=${PWD#"$data_dir/jobs/"}
own_job=${own_job%%/*}

leaked_or_denied() {  # <what> <command...>: its output, if it succeeds with any, is a leak
    local what=$1 got
    shift
    if got=`"$@" 2>/dev/null` && [ -n "$got" ]; then
        echo "LEAKED $what: `printf '%s' "$got" | head -c 300 | tr -c '[:print:]' '?'`"
    else
        echo "DENIED $what"
    fi
}

written_or_denied() {  # <what> <path>: a write outside the work directory
    if (echo escaped > "$2") 2>/dev/null; then echo "WROTE $1"; else echo "DENIED $1"; fi
}

echo "UID `id -u`"

# DATA_DIR: the users database, the catalog, logs, other users' data, other jobs.
leaked_or_denied users-db cat "$data_dir/auth.sqlite"
leaked_or_denied catalog cat "$data_dir/catalog.sqlite"
leaked_or_denied worker-log cat "$data_dir/logs/worker.log"
leaked_or_denied vault find "$data_dir/vault" -type f
leaked_or_denied data-dir-listing sh -c "ls -A '$data_dir' | grep -vx jobs"
leaked_or_denied other-jobs-listing sh -c "ls -A '$data_dir/jobs' | grep -vx '$own_job'"
leaked_or_denied other-job-dir ls -A "$data_dir/jobs/$other_job"
leaked_or_denied other-job-log cat "$data_dir/jobs/$other_job/cwltool.log"

# The checkout (settings, .projectrc), homes, the host's accounts.
leaked_or_denied checkout ls -A "$checkout"
leaked_or_denied settings-defaults cat "$checkout/confs/defaults.yml"
leaked_or_denied root-home ls -A /root
leaked_or_denied homes ls -A /home
leaked_or_denied etc-passwd cat /etc/passwd

# The environment, its own and that of every process it can see.
for file in /proc/[0-9]*/environ; do
    tr '\0' '\n' < "$file" 2>/dev/null | sed 's/^/ENV /'
done
leaked_or_denied worker-environment cat "/proc/$worker_pid/environ"
leaked_or_denied secret-variable sh -c "env | grep -iE '^[A-Z_]*(SECRET|PASSWORD|TOKEN)[A-Z_]*='"

# Writing outside its work directory.
written_or_denied tmp-escape "/tmp/escape-$unique"
written_or_denied data-dir-escape "$data_dir/escape-$unique"
written_or_denied jobs-escape "$data_dir/jobs/escape-$unique"
written_or_denied checkout-escape "$checkout/escape-$unique"

# The network: the API itself and the broker, on this host.
leaked_or_denied api-connection timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$api_port && echo connected"
leaked_or_denied broker-connection timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/5672 && echo connected"
# Resources: a fork bomb (600 processes that wait) and one file of 2 MiB.
forked=`perl -e 'my @kids; for (1..600) { my $pid = fork; last unless defined $pid;
    if (!$pid) { sleep 60; exit } push @kids, $pid } print scalar @kids; kill "KILL", @kids;
    waitpid($_, 0) for @kids'`
echo "FORKED $forked"
if [ "$forked" -ge 600 ]; then echo "LEAKED processes: $forked"; else echo "DENIED processes"; fi
(head -c 2097152 /dev/zero > "big-$unique") 2>/dev/null
size=`stat -c %s "big-$unique" 2>/dev/null || echo 0`
rm -f "big-$unique"
if [ "$size" -ge 2097152 ]; then echo "LEAKED big-file: $size bytes"; else echo "DENIED big-file"; fi
echo "DONE"
