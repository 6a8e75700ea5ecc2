import torch
from torch.nn import functional
from AbstractRNNCell import AbstractRNNCell
from lstm_utils import lstm_step, init_weight

class MyLSTMCell(AbstractRNNCell):

    def __init__(self, input_size, hidden_size, output_size, device):
        """
        LSTM cell: inputs with input_size features, hidden and cell state of
        size hidden_size, outputs with output_size features.
        """
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size
        #####Insert your code here for subtask 2a#####
        # all 4 gates in one matrix (rows: f, i, o, g), applied to [h; x]
        self.W_gates = init_weight((4 * hidden_size, hidden_size + input_size), hidden_size)
        self.b_gates = init_weight((4 * hidden_size,), hidden_size)
        # hidden state -> output
        self.W_hy = init_weight((output_size, hidden_size), hidden_size)
        self.b_y = torch.nn.Parameter(torch.zeros(output_size))
        self.has_hidden_state = False
        self.device = device

    def get_rnn_type(self):
        return "LSTM"

    def forward(self, x : torch.tensor, reset_hidden_state : bool = True):
        # make x 3-d: [batch, time, features]
        if x.dim() == 0:
            x = x.reshape(1, 1, 1)
        elif x.dim() == 1:
            x = x[:, None, None]
        elif x.dim() == 2:
            x = x[:, :, None]
        batch_size = x.shape[0]
        sequence_len = x.shape[1]

        # fresh zero states if asked to (or if there are none yet), each (hidden, batch)
        if reset_hidden_state or not self.has_hidden_state:
            self.hidden_state = torch.zeros((self.hidden_size, batch_size),
                                            device=self.device)
            self.cell_state = torch.zeros((self.hidden_size, batch_size),
                                          device=self.device)
            self.has_hidden_state = True
        outputs = torch.zeros((x.shape[0], x.shape[1], self.output_size),
                              device=self.device)

        for t in range(sequence_len):
            curr_x = x[:, t, :]
            #####Insert your code here for subtask 2b#####
            x_t = curr_x.T.float()   # (I, B), the char task gives int64 one-hots
            self.hidden_state, self.cell_state = lstm_step(
                x_t, self.hidden_state, self.cell_state, self.W_gates, self.b_gates)
            outputs[:, t, :] = (self.W_hy @ self.hidden_state + self.b_y[:, None]).T

        return torch.squeeze(outputs)
