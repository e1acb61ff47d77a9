# Counts the lines of each input file in its own step instance (a scatter).
cwlVersion: v1.2
class: Workflow
requirements:
  ScatterFeatureRequirement: {}
inputs:
  files: File[]
outputs:
  counts:
    type: File[]
    outputSource: count/out
steps:
  count:
    scatter: src
    in: {src: files}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: [wc, -l]
      stdin: $(inputs.src.path)
      stdout: $(inputs.src.nameroot).count
      inputs:
        src: File
      outputs:
        out: stdout
