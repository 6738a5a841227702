package org.bertspark.udf

import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.catalyst.util.GenericArrayData
import org.apache.spark.sql.types.{ArrayType, DataType, StringType}
import org.apache.spark.unsafe.types.UTF8String
import org.bertspark.encoder.EncoderOptions
import org.bertspark.encoder.tokenizer.{Input, SequenceTokenizer}

/**
 * `bert_tokenize(text[, options])`: the word pieces BERT is fed for a text, [CLS] and [SEP] included
 * (bert-as-service's show_tokens). Reads the model's vocabulary only ([[SequenceTokenizer]]), never its weights.
 */
case class BertTokenize(text: Expression, optionsText: String, options: EncoderOptions) extends TokenizerFunction {

  override protected def of(input: Input): Any = {
    val tokens = tokenizer.tokens(input)
    if (tokens == null) null
    else new GenericArrayData(tokens.toArray(Array.empty[String]).map(t => UTF8String.fromString(t): Any))
  }

  override def dataType: DataType = ArrayType(StringType, containsNull = false)

  override protected def withNewChildInternal(newChild: Expression): BertTokenize = copy(text = newChild)

  override def prettyName: String = BertFunctions.TOKENIZE
}
