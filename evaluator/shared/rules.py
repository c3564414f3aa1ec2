"""The rules a candidate must follow, worded once for every gate that enforces them.

    from evaluator.shared.rules import TORCH_HINT
    message = f"forward ran PyTorch compute operators: {ops}. " + TORCH_HINT

The static gate (evaluator.static.bans, evaluator.static.scan) and the runtime audit inside the jail
(evaluator.child.trial) refuse the same thing, so an LLM reading either message learns the same rule.
"""

TORCH_HINT = (
    "PyTorch must not compute the result: do the arithmetic in @triton.jit (or @gluon.jit) kernels. PyTorch may "
    "only allocate, copy and reshape (torch.empty/zeros/full and friends, .contiguous(), .to(), views, "
    ".stride(), F.pad; nn.Module/nn.Parameter/nn layers as weight holders)."
)

CONTRACT_HINT = (
    "Host-code contract (the prompt states it in full): in forward and its helpers PyTorch only allocates, views, "
    "copies and describes tensors (torch.empty/zeros/..., .view/.reshape/.permute/.contiguous/.to, "
    ".shape/.stride()/.numel()), Python arithmetic is only on ints and floats, and kernels launch as "
    "kernel[grid](...); no getattr/eval/globals or dunder attributes; __init__ may preprocess weights with torch."
)
