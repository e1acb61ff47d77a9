# SeaDataCloud's simplest quality check: every file of an ingestion batch must be non-empty.
# Writes qc-report.txt (one line per file, then a count and "verdict: PASS" or "FAIL") and
# ends successfully either way: the verdict is the result, a failed job means the check broke.
# Results of earlier checks (the batch's qc/ folder) are not checked; -L: cwltool may stage
# the batch as symbolic links. sh and coreutils only;
# `\$(` and `\${` are CWL's escapes for the shell's own `$(` and `${`.
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [sh, -c]
arguments:
  - |
    batch="$0"
    find -L "$batch" -type f ! -path "$batch/qc/*" | LC_ALL=C sort | {
      total=0; empty=0
      while IFS= read -r file; do
        total=\$((total + 1))
        if [ -s "$file" ]; then echo "ok    \${file#"$batch"/}"
        else echo "EMPTY \${file#"$batch"/}"; empty=\$((empty + 1)); fi
      done
      echo "checked $total files, $empty empty"
      if [ "$empty" -eq 0 ] && [ "$total" -gt 0 ]; then echo "verdict: PASS"; else echo "verdict: FAIL"; fi
    }
  - $(inputs.batch.path)
inputs:
  batch: Directory
outputs:
  report: stdout
stdout: qc-report.txt
