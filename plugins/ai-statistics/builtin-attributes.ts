// Built-in attribute keys (Higress): `question` from the request, `answer` from the response
// (streamed or whole), for OpenAI, Anthropic, Gemini and Responses-API shapes. Paths compiled once.
// Pure.
import { JsonPath } from "../shared/json-path";
import { sliceStartOf, sliceEndOf, sliceString } from "../shared/json-scan";

/** The string at `path` in s, or null when absent or not a string. */
export function stringAt(path: JsonPath, s: string): string | null {
  const r = path.find(s, 0, s.length);
  if (r < 0) return null;
  const a = sliceStartOf(r);
  if (s.charCodeAt(a) != 0x22) return null;
  return sliceString(s, a, sliceEndOf(r));
}

function firstString(paths: JsonPath[], s: string): string | null {
  for (let i = 0; i < paths.length; i++) {
    const v = stringAt(unchecked(paths[i]), s);
    if (v !== null) return v;
  }
  return null;
}

export class BuiltinPaths {
  /** last message's text: OpenAI/Anthropic string or first text block, Gemini, Responses `input` */
  question: JsonPath[] = [
    new JsonPath("messages.@reverse.0.content"),
    new JsonPath("messages.@reverse.0.content.0.text"),
    new JsonPath("contents.@reverse.0.parts.0.text"),
    new JsonPath("input"),
  ];
  /** one streamed piece: OpenAI delta, Anthropic text_delta, Gemini part */
  answerPiece: JsonPath[] = [
    new JsonPath("choices.0.delta.content"),
    new JsonPath("delta.text"),
    new JsonPath("candidates.0.content.parts.0.text"),
  ];
  /** a whole response: OpenAI message, Anthropic first block, Gemini part, Responses output */
  answer: JsonPath[] = [
    new JsonPath("choices.0.message.content"),
    new JsonPath("content.0.text"),
    new JsonPath("candidates.0.content.parts.0.text"),
    new JsonPath("output_text"),
    new JsonPath("output.0.content.0.text"),
  ];

  questionOf(requestBody: string): string | null {
    return firstString(this.question, requestBody);
  }

  answerPieceOf(eventData: string): string | null {
    return firstString(this.answerPiece, eventData);
  }

  answerOf(responseBody: string): string | null {
    return firstString(this.answer, responseBody);
  }
}
