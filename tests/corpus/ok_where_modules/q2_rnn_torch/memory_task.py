import torch
from torch.nn import functional as F

def memory_task_loss(outputs : torch.tensor, 
                     ground_truth : torch.tensor) -> torch.tensor:
    """
    Classification loss of the memory task.
    Args:
        -outputs: [B, L, C] unnormalised scores (logits) for the C classes
        -ground_truth: [B, L] correct class index of every character
    Returns:
        cross entropy summed over all characters of a sequence, averaged
        over the sequences of the batch
    """
    #####Insert your code here for subtask 2e#####
    batch_size, seq_len, n_classes = outputs.shape
    total = F.cross_entropy(outputs.reshape(batch_size * seq_len, n_classes),
                            ground_truth.reshape(batch_size * seq_len), reduction='sum')
    return total / batch_size

def memory_task_acc(outputs : torch.tensor, ground_truth : torch.tensor, 
                    to_remember_len : int) -> torch.tensor:
    """
    Accuracy on the last to_remember_len characters of every sequence.
    Args:
        -outputs: [B, L, C] unnormalised scores for the C classes
        -ground_truth: [B, L] correct class indices
        -to_remember_len: how many characters at the end are checked
    Returns:
        fraction of correct characters (0 to 1)
    """
    #####Insert your code here for subtask 2f#####
    correct = (outputs.argmax(dim=-1) == ground_truth)[:, -to_remember_len:]
    return correct.sum() / correct.numel()
