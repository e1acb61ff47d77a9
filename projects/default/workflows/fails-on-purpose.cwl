# Fails in its second step (exit code 3, a message on stderr): for testing failure handling.
cwlVersion: v1.2
class: Workflow
inputs:
  text: File
outputs:
  never:
    type: File
    outputSource: fail/out
steps:
  copy:
    in: {src: text}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: [cat]
      stdin: $(inputs.src.path)
      stdout: copy.txt
      inputs:
        src: File
      outputs:
        out: stdout
  fail:
    in: {src: copy/out}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: [sh, -c, 'echo "failing on purpose" >&2; exit 3']
      stdout: never.txt
      inputs:
        src: File
      outputs:
        out: stdout
