import torch

def memory_task_loss(outputs : torch.tensor, 
                     ground_truth : torch.tensor) -> torch.tensor:
    """
    Classification loss of the memory task over every character of the sequences.
    Args:
        -outputs: [B, L, C] unnormalised scores (logits) for the C classes
        -ground_truth: [B, L] correct class index of every character
    Returns:
        the mean cross entropy over all characters of the batch
    """
    #####Insert your code here for subtask 2e#####
    num_classes = outputs.shape[-1]
    # cross_entropy wants (N, C) and (N,), so put batch and time together
    logits = outputs.reshape(-1, num_classes)
    targets = ground_truth.reshape(-1)
    loss = torch.nn.functional.cross_entropy(logits, targets)
    return loss

def memory_task_acc(outputs : torch.tensor, ground_truth : torch.tensor, 
                    to_remember_len : int) -> torch.tensor:
    """
    Accuracy on the last to_remember_len characters of every sequence.
    Args:
        -outputs: [B, L, C] unnormalised scores for the C classes
        -ground_truth: [B, L] correct class indices
        -to_remember_len: how many characters at the end are checked
    Returns:
        fraction of correctly predicted characters (between 0 and 1)
    """
    #####Insert your code here for subtask 2f#####
    # predicted class = the one with the highest score
    predictions = torch.argmax(outputs, dim=-1)
    # only the part after the delimiter
    pred_end = predictions[:, -to_remember_len:]
    gt_end = ground_truth[:, -to_remember_len:]
    correct = (pred_end == gt_end).float()
    return correct.mean()
