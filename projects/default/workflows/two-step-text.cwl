# Upper-cases a text file, then counts its words: two steps, each a command line tool.
cwlVersion: v1.2
class: Workflow
inputs:
  text: File
outputs:
  counted:
    type: File
    outputSource: count/out
steps:
  upper:
    run:
      class: CommandLineTool
      baseCommand: [tr, a-z, A-Z]
      stdin: $(inputs.src.path)
      stdout: upper.txt
      inputs:
        src: File
      outputs:
        out: stdout
    in: {src: text}
    out: [out]
  count:
    run:
      class: CommandLineTool
      baseCommand: [wc, -w]
      stdin: $(inputs.src.path)
      stdout: count.txt
      inputs:
        src: File
      outputs:
        out: stdout
    in: {src: upper/out}
    out: [out]
