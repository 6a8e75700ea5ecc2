import torch

def memory_task_loss(outputs : torch.tensor,
                     ground_truth : torch.tensor) -> torch.tensor:
    """
    Classification loss for the memory task.
    outputs: [B, L, C] raw scores (logits), ground_truth: [B, L] class indices.
    Returns one scalar.
    """
    #####Insert your code here for subtask 2e#####
    # CrossEntropyLoss wants the classes in dim 1 -> [B, C, L]
    # (mean over all characters of the batch)
    loss_fn = torch.nn.CrossEntropyLoss()
    return loss_fn(outputs.permute(0, 2, 1), ground_truth)

def memory_task_acc(outputs : torch.tensor, ground_truth : torch.tensor,
                    to_remember_len : int) -> torch.tensor:
    """
    Accuracy on the last to_remember_len characters of each sequence
    (the part where the net has to repeat what it saw).
    outputs: [B, L, C] logits, ground_truth: [B, L] class indices.
    """
    #####Insert your code here for subtask 2f#####
    predicted = torch.argmax(outputs, dim=2)[:, -to_remember_len:]
    target = ground_truth[:, -to_remember_len:]
    return (predicted == target).float().mean()
