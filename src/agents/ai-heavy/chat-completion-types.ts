// Wire types of the OpenAI chat-completions API (the subset Catalynx sends and reads).

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  /** `{ type: 'json_object' }` asks the server to constrain the reply to a JSON object. */
  response_format?: { type: 'json_object' | 'text' };
  /** Cancels the request; the signal's reason is rethrown unchanged. */
  signal?: AbortSignal;
}

export interface ChatCompletionChoice {
  index: number;
  message: { role: string; content: string | null };
  /** 'stop', 'length' (cut off at max tokens), 'content_filter', ... */
  finish_reason: string | null;
}

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage: ChatCompletionUsage | null;
}

export interface ChatCompletionsClient {
  complete(request: ChatCompletionRequest): Promise<ChatCompletion>;
}
