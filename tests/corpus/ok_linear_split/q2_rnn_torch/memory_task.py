import torch
from torch.nn import functional

def memory_task_loss(outputs : torch.tensor,
                     ground_truth : torch.tensor) -> torch.tensor:
    """
    Classification loss for the memory task.
    outputs: [B, L, C] raw scores (logits), ground_truth: [B, L] class indices.
    Returns one scalar.
    """
    #####Insert your code here for subtask 2e#####
    # cross entropy for every character of every sequence, summed up
    # (the sheet says "summing over the individual losses")
    num_classes = outputs.shape[-1]
    return functional.cross_entropy(outputs.reshape(-1, num_classes),
                                    ground_truth.reshape(-1), reduction='sum')

def memory_task_acc(outputs : torch.tensor, ground_truth : torch.tensor,
                    to_remember_len : int) -> torch.tensor:
    """
    Accuracy on the last to_remember_len characters of each sequence
    (the part where the net has to repeat what it saw).
    outputs: [B, L, C] logits, ground_truth: [B, L] class indices.
    """
    #####Insert your code here for subtask 2f#####
    pred = outputs[:, -to_remember_len:, :].argmax(dim=2)
    correct = (pred == ground_truth[:, -to_remember_len:])
    return correct.sum() / correct.numel()
