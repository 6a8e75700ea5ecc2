import torch
from torch.nn import functional
from AbstractRNNCell import AbstractRNNCell

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
        H, I, O = hidden_size, input_size, output_size

        def xavier(rows, cols):
            return torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(rows, cols)))

        # input gate
        self.W_xi = xavier(H, I)
        self.W_hi = xavier(H, H)
        self.b_i = torch.nn.Parameter(torch.zeros(H, 1))
        # forget gate
        self.W_xf = xavier(H, I)
        self.W_hf = xavier(H, H)
        self.b_f = torch.nn.Parameter(torch.zeros(H, 1))
        # output gate
        self.W_xo = xavier(H, I)
        self.W_ho = xavier(H, H)
        self.b_o = torch.nn.Parameter(torch.zeros(H, 1))
        # cell candidate g
        self.W_xg = xavier(H, I)
        self.W_hg = xavier(H, H)
        self.b_g = torch.nn.Parameter(torch.zeros(H, 1))
        # biases are columns (H, 1) so they broadcast over the batch dimension of the (H, B) states

        # output layer
        self.W_out = xavier(O, H)
        self.b_out = torch.nn.Parameter(torch.zeros(O, 1))
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
            # (I, B), float because the memory task gives us one-hot longs
            x_t = curr_x.float().T
            h_prev = self.hidden_state
            c_prev = self.cell_state

            z_i = self.W_xi @ x_t + self.W_hi @ h_prev + self.b_i
            i_t = 1 / (1 + torch.exp(-z_i))   # sigmoid by hand
            f_t = torch.sigmoid(self.W_xf @ x_t + self.W_hf @ h_prev + self.b_f)
            o_t = torch.sigmoid(self.W_xo @ x_t + self.W_ho @ h_prev + self.b_o)
            g_t = torch.tanh(self.W_xg @ x_t + self.W_hg @ h_prev + self.b_g)

            self.cell_state = f_t * c_prev + i_t * g_t
            self.hidden_state = o_t * torch.tanh(self.cell_state)

            y_t = self.W_out @ self.hidden_state + self.b_out   # (O, B)
            outputs[:, t, :] = y_t.T

        return torch.squeeze(outputs)
