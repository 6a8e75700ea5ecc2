import torch
from torch.nn import functional

def memory_task_loss(outputs : torch.tensor,
                     ground_truth : torch.tensor,
                     to_remember_len : int) -> torch.tensor:
    """
    Cross entropy for the memory task, only on the last to_remember_len
    characters (the recalled part, everything before is just blanks).
    outputs: [B, L, C] logits, ground_truth: [B, L] class indices,
    to_remember_len: how many characters are recalled at the end.
    Returns the mean loss (scalar).
    """
    #####Insert your code here for subtask 2e#####
    recalled_out = outputs[:, -to_remember_len:, :]
    recalled_gt = ground_truth[:, -to_remember_len:]
    n_classes = recalled_out.shape[-1]
    return functional.cross_entropy(recalled_out.reshape(-1, n_classes),
                                    recalled_gt.reshape(-1))

def memory_task_acc(outputs : torch.tensor, ground_truth : torch.tensor,
                    to_remember_len : int) -> torch.tensor:
    """
    Accuracy on the last to_remember_len characters of each sequence
    (the part where the net has to repeat what it saw).
    outputs: [B, L, C] logits, ground_truth: [B, L] class indices.
    """
    #####Insert your code here for subtask 2f#####
    guess = outputs[:, -to_remember_len:].argmax(dim=-1)
    hits = torch.eq(guess, ground_truth[:, -to_remember_len:])
    return hits.float().mean()
