# Upper-cases a text, appends a second text to it, then counts the words: three steps,
# two inputs, so that the provenance of the result leads back to both.
cwlVersion: v1.2
class: Workflow
inputs:
  text: File
  appendix: File
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
  join:
    run:
      class: CommandLineTool
      baseCommand: [cat]
      arguments: [$(inputs.first.path), $(inputs.second.path)]
      stdout: joined.txt
      inputs:
        first: File
        second: File
      outputs:
        out: stdout
    in: {first: upper/out, second: appendix}
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
    in: {src: join/out}
    out: [out]
